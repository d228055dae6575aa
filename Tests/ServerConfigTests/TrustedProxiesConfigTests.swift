import ServerConfig
import Testing

/// routes.yaml `http.trustedProxies` and `http.forwardedHeader`: reading, checking, printing, reloading.
@Suite struct TrustedProxiesConfigTests {
    static func routes(_ http: String) -> String {
        ConfigFixtures.routes.replacingFirst("http:\n  port: ${PORT:-3000}\n", with: "http:\n  port: ${PORT:-3000}\n" + http)
    }

    @Test func noProxyIsTrustedByDefault() throws {
        let config = try ConfigFixtures.load()
        #expect(config.clientAddress.trustedProxies.isEmpty)
        #expect(config.clientAddress.header == .xForwardedFor)
    }

    @Test func aListOfRangesAndAddressesIsRead() throws {
        let config = try ConfigFixtures.load(
            routes: Self.routes("  trustedProxies: [10.0.0.0/8, 192.0.2.7, \"2001:db8::/32\"]\n  forwardedHeader: forwarded\n")
        )
        #expect(config.clientAddress.trustedProxies.map(\.description) == ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"])
        #expect(config.clientAddress.header == .forwarded)
    }

    @Test func anEnvironmentVariableCarriesACommaSeparatedList() throws {
        let routes = Self.routes("  trustedProxies: ${TRUSTED_PROXIES:-}\n")
        let set = try ConfigFixtures.load(environment: ["TRUSTED_PROXIES": "127.0.0.1/32, fd00::/8,10.0.0.0/8"], routes: routes)
        #expect(set.clientAddress.trustedProxies.map(\.description) == ["127.0.0.1/32", "fd00::/8", "10.0.0.0/8"])
        let unset = try ConfigFixtures.load(routes: routes)
        #expect(unset.clientAddress.trustedProxies.isEmpty)
        let mixed = try ConfigFixtures.load(
            environment: ["EXTRA_PROXIES": "172.16.0.0/12"],
            routes: Self.routes("  trustedProxies:\n    - 127.0.0.1\n    - ${EXTRA_PROXIES:-}\n")
        )
        #expect(mixed.clientAddress.trustedProxies.map(\.description) == ["127.0.0.1/32", "172.16.0.0/12"])
    }

    @Test func eachInvalidEntryIsAnErrorNamingItAndItsLine() {
        let routes = Self.routes("  trustedProxies:\n    - 10.0.0.0/8\n    - 10.0.0.1/8\n    - proxy.internal\n  forwardedHeader: x-real-ip\n")
        let errors = ConfigFixtures.errors(routes: routes)
        let text = errors.map(\.description).joined(separator: "\n")
        #expect(errors.count == 3, "\(text)")
        let badBits = errors.first { $0.message.contains("'10.0.0.1/8'") }
        #expect(badBits?.location.line == ConfigFixtures.line(of: "10.0.0.1/8", in: routes), "\(text)")
        #expect(badBits?.keyPath == "http.trustedProxies[1]")
        #expect(badBits?.message.contains("did you mean 10.0.0.0/8?") == true)
        #expect(errors.contains { $0.keyPath == "http.trustedProxies[2]" && $0.message.contains("'proxy.internal' is not an IP address") }, "\(text)")
        #expect(errors.contains { $0.keyPath == "http.forwardedHeader" && $0.message.contains("x-forwarded-for, forwarded") }, "\(text)")
        let fromEnvironment = ConfigFixtures.errors(
            environment: ["TRUSTED_PROXIES": "127.0.0.1/32,10.0.0.0/80"],
            routes: Self.routes("  trustedProxies: ${TRUSTED_PROXIES:-}\n")
        )
        #expect(fromEnvironment.map(\.message) == ["invalid trusted proxy: '10.0.0.0/80' has an invalid prefix length; expected /0 to /32"])
    }

    @Test func theWebSocketListenerHasNoSuchKey() {
        let errors = ConfigFixtures.errors(
            routes: ConfigFixtures.routes.replacingFirst(
                "port: ${SIGNALING_PORT:-8080}",
                with: "port: ${SIGNALING_PORT:-8080}\n  trustedProxies: [10.0.0.0/8]"
            )
        )
        #expect(errors.map(\.message) == ["unknown key 'trustedProxies'"], "\(errors)")
    }

    @Test func checkSummaryShowsThem() throws {
        let none = try ConfigFixtures.load().summary()
        #expect(none.contains("trustedProxies: [] (none: the TCP peer is the client), forwardedHeader: x-forwarded-for"), "\(none)")
        let some = try ConfigFixtures.load(routes: Self.routes("  trustedProxies: [10.0.0.0/8, \"::1\"]\n")).summary()
        #expect(some.contains("trustedProxies: [10.0.0.0/8, ::1/128]"), "\(some)")
    }

    @Test func aReloadAppliesThemAndNeedsNoRestart() throws {
        let running = try ConfigFixtures.load()
        let loaded = try ConfigFixtures.load(routes: Self.routes("  trustedProxies: [10.0.0.0/8]\n  forwardedHeader: forwarded\n"))
        let reload = ConfigReload(running: running, loaded: loaded)
        #expect(reload.applied == ["http.trustedProxies: [] → [10.0.0.0/8]", "http.forwardedHeader: x-forwarded-for → forwarded"])
        #expect(reload.needsRestart.isEmpty)
        #expect(reload.configuration.clientAddress == loaded.clientAddress)
        #expect(reload.configuration.digest == loaded.digest)
        // With another routes.yaml edit that needs a restart, the proxies still apply and the rest is reported.
        let both = try ConfigFixtures.load(
            routes: Self.routes("  trustedProxies: [10.0.0.0/8]\n").replacingFirst("port: ${PORT:-3000}", with: "port: 4000")
        )
        let partial = ConfigReload(running: running, loaded: both)
        #expect(partial.applied == ["http.trustedProxies: [] → [10.0.0.0/8]"])
        #expect(partial.needsRestart == ["routes.yaml http (bound at start-up)"])
        #expect(partial.configuration.http.port == 3000)
        #expect(partial.configuration.clientAddress == both.clientAddress)
        #expect(partial.configuration.digest == running.digest)
    }

    @Test func aBlockListAddedToRoutesYamlIsAppliedWithoutARestartWarning() throws {
        let running = try ConfigFixtures.load()
        // New lines move every route below them: only what they say counts, not where it now is.
        let loaded = try ConfigFixtures.load(routes: Self.routes("  # our load balancers\n  trustedProxies:\n    - 10.0.0.0/8\n    - \"fd00::/8\"\n"))
        #expect(loaded.routes.first?.location != running.routes.first?.location)
        let reload = ConfigReload(running: running, loaded: loaded)
        #expect(reload.applied == ["http.trustedProxies: [] → [10.0.0.0/8, fd00::/8]"])
        #expect(reload.needsRestart.isEmpty)
        #expect(reload.configuration.digest == loaded.digest)
        // A real change below the moved lines is still reported.
        let changed = try ConfigFixtures.load(
            routes: Self.routes("  trustedProxies:\n    - 10.0.0.0/8\n").replacingFirst(
                "/network/:networkId/peers",
                with: "/network/:networkId/members"
            )
        )
        #expect(ConfigReload(running: running, loaded: changed).needsRestart == ["routes.yaml routes (bound at start-up)"])
    }
}
