import ServerConfig
import Testing

/// routes.yaml `http.openapi`: whether `GET /openapi.json` is served; read, checked, printed, and bound at start-up.
@Suite struct OpenAPIConfigTests {
    @Test func onByDefaultAndOffWhenFalse() throws {
        #expect(try ConfigFixtures.load().openAPI)
        let off = try ConfigFixtures.load(routes: TrustedProxiesConfigTests.routes("  openapi: false\n"))
        #expect(!off.openAPI)
        #expect(off.summary().contains("openapi: false"), "\(off.summary())")
    }

    @Test func aValueThatIsNotABooleanIsAnErrorAtItsKey() {
        let errors = ConfigFixtures.errors(routes: TrustedProxiesConfigTests.routes("  openapi: sometimes\n"))
        #expect(errors.map(\.keyPath) == ["http.openapi"], "\(errors)")
        #expect(errors.first?.message.contains("expected true or false") == true, "\(errors)")
    }

    @Test func turningItOffNeedsARestart() throws {
        let running = try ConfigFixtures.load()
        let loaded = try ConfigFixtures.load(routes: TrustedProxiesConfigTests.routes("  openapi: false\n"))
        let reload = ConfigReload(running: running, loaded: loaded)
        #expect(reload.needsRestart == ["routes.yaml http (bound at start-up)"])
        #expect(reload.configuration.openAPI)
    }
}
