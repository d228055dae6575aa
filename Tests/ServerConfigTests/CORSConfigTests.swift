import ServerConfig
import Testing

/// routes.yaml `http.cors`, `CORS_ALLOW_ORIGINS` and limits.yaml `websocket.allowedOrigins`: reading, checking,
/// printing, reloading.
@Suite struct CORSConfigTests {
    static func routes(_ cors: String) -> String {
        ConfigFixtures.routes.replacingFirst("http:\n  port: ${PORT:-3000}\n", with: "http:\n  port: ${PORT:-3000}\n  cors:\n" + cors)
    }

    static func limits(_ websocket: String) -> String {
        ConfigFixtures.limits + "\nwebsocket:\n" + websocket
    }

    @Test func corsIsOffAndEveryOriginMayUpgradeByDefault() throws {
        let config = try ConfigFixtures.load()
        #expect(!config.cors.isEnabled)
        #expect(config.cors.exposeHeaders == ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "ETag", "Retry-After", "X-Request-Id"])
        #expect(!config.cors.allowCredentials)
        #expect(config.limits.webSocket.allowedOrigins.isEmpty)
        #expect(config.limits.webSocket.allows(origin: "https://anything.example"))
    }

    @Test func originsAreReadLowercasedWithTheirSettings() throws {
        let config = try ConfigFixtures.load(
            routes: Self.routes(
                "    allowOrigins: [HTTPS://App.Example.com, 'http://127.0.0.1:8000']\n    allowHeaders: [Authorization, X-Trace]\n"
                    + "    exposeHeaders: ETag\n    maxAge: 1h\n    allowCredentials: true\n"
            )
        )
        #expect(config.cors.allowOrigins == ["https://app.example.com", "http://127.0.0.1:8000"])
        #expect(config.cors.allows(origin: "https://APP.example.com"))
        #expect(!config.cors.allows(origin: "https://app.example.com.evil.example"))
        #expect(config.cors.allowHeaders == ["Authorization", "X-Trace"])
        #expect(config.cors.exposeHeaders == ["ETag"])
        #expect(config.cors.maxAge == .seconds(3600))
        #expect(config.cors.allowCredentials)
        let any = try ConfigFixtures.load(routes: Self.routes("    allowOrigins: '*'\n"))
        #expect(any.cors.allowsAnyOrigin)
        #expect(any.cors.allows(origin: "https://whoever.example"))
    }

    @Test func theEnvironmentVariableReplacesTheFilesList() throws {
        let routes = Self.routes("    allowOrigins: [https://app.example.com]\n")
        let config = try ConfigFixtures.load(environment: ["CORS_ALLOW_ORIGINS": "http://127.0.0.1:9000, https://b.example"], routes: routes)
        #expect(config.cors.allowOrigins == ["http://127.0.0.1:9000", "https://b.example"])
        #expect(config.cors.originsFromEnvironment)
        // Without any cors: section too; an empty variable leaves the file's list.
        let bare = try ConfigFixtures.load(environment: ["CORS_ALLOW_ORIGINS": "*"])
        #expect(bare.cors.allowsAnyOrigin)
        let empty = try ConfigFixtures.load(environment: ["CORS_ALLOW_ORIGINS": ""], routes: routes)
        #expect(empty.cors.allowOrigins == ["https://app.example.com"])
        #expect(!empty.cors.originsFromEnvironment)
    }

    @Test func aWildcardWithCredentialsIsAnErrorAtItsLine() {
        let routes = Self.routes("    allowOrigins: '*'\n    allowCredentials: true\n")
        let errors = ConfigFixtures.errors(routes: routes)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.location.file == "routes.yaml")
        #expect(errors.first?.location.line == ConfigFixtures.line(of: "allowCredentials", in: routes))
        #expect(errors.first?.keyPath == "http.cors.allowCredentials")
        #expect(errors.first?.message.contains("cannot be used with allowOrigins '*'") == true, "\(errors)")
        // The same when the wildcard comes from the environment.
        let fromEnvironment = ConfigFixtures.errors(
            environment: ["CORS_ALLOW_ORIGINS": "*"],
            routes: Self.routes("    allowOrigins: [https://app.example.com]\n    allowCredentials: true\n")
        )
        #expect(fromEnvironment.first?.message.contains("(from CORS_ALLOW_ORIGINS)") == true, "\(fromEnvironment)")
    }

    @Test func eachMalformedOriginIsAnErrorNamingItAndItsLine() {
        let routes = Self.routes(
            "    allowOrigins:\n      - https://app.example.com/\n      - app.example.com\n      - 'null'\n      - https://ok.example\n    allowHeaders: ['Bad Header']\n    unknown: 1\n"
        )
        let errors = ConfigFixtures.errors(routes: routes)
        let text = errors.map(\.description).joined(separator: "\n")
        #expect(errors.count == 5, "\(text)")
        let slash = errors.first { $0.message.contains("'https://app.example.com/' has a path") }
        #expect(slash?.location.line == ConfigFixtures.line(of: "https://app.example.com/", in: routes), "\(text)")
        #expect(slash?.keyPath == "http.cors.allowOrigins[0]")
        #expect(errors.contains { $0.keyPath == "http.cors.allowOrigins[1]" && $0.message.contains("is not an origin") }, "\(text)")
        #expect(errors.contains { $0.keyPath == "http.cors.allowOrigins[2]" && $0.message.contains("'null' is not allowed") }, "\(text)")
        #expect(
            errors.contains { $0.keyPath == "http.cors.allowHeaders" && $0.message.contains("'Bad Header' is not an HTTP header name") },
            "\(text)"
        )
        #expect(errors.contains { $0.message.contains("unknown key 'unknown'") }, "\(text)")
        let mixed = ConfigFixtures.errors(routes: Self.routes("    allowOrigins: ['*', https://app.example.com]\n"))
        #expect(mixed.map(\.message) == ["'*' allows every origin; write it alone, or list the origins"], "\(mixed)")
        let badVariable = ConfigFixtures.errors(environment: ["CORS_ALLOW_ORIGINS": "https://ok.example,ftp//x"])
        #expect(badVariable.count == 1 && badVariable[0].message.hasPrefix("CORS_ALLOW_ORIGINS=https://ok.example,ftp//x: "), "\(badVariable)")
    }

    @Test func theSignalingOriginListIsCheckedAndHasNoWildcard() throws {
        let config = try ConfigFixtures.load(limits: Self.limits("  allowedOrigins: [https://App.example.com]\n"))
        #expect(config.limits.webSocket.allowedOrigins == ["https://app.example.com"])
        #expect(config.limits.webSocket.allows(origin: "https://app.example.com"))
        #expect(config.limits.webSocket.allows(origin: nil))
        #expect(!config.limits.webSocket.allows(origin: "https://evil.example"))
        let limits = Self.limits("  allowedOrigins: ['*']\n")
        let errors = ConfigFixtures.errors(limits: limits)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.location.file == "limits.yaml")
        #expect(errors.first?.location.line == ConfigFixtures.line(of: "allowedOrigins", in: limits))
        #expect(errors.first?.message.contains("leave the list empty to allow every origin") == true, "\(errors)")
    }

    @Test func checkSummaryShowsThem() throws {
        let off = try ConfigFixtures.load().summary()
        #expect(off.contains("http.cors: { allowOrigins: [] (off"), "\(off)")
        #expect(off.contains("allowedOrigins: [] (no check"), "\(off)")
        let on = try ConfigFixtures.load(
            environment: ["CORS_ALLOW_ORIGINS": "https://app.example.com"],
            limits: Self.limits("  allowedOrigins: [https://app.example.com]\n")
        ).summary()
        #expect(on.contains("http.cors: { allowOrigins: [https://app.example.com] (from CORS_ALLOW_ORIGINS), allowHeaders:"), "\(on)")
        #expect(on.contains("allowedOrigins: [https://app.example.com] (an upgrade with another Origin gets 403)"), "\(on)")
    }

    @Test func aReloadAppliesBothAndNeedsNoRestart() throws {
        let running = try ConfigFixtures.load()
        let loaded = try ConfigFixtures.load(
            routes: Self.routes("    allowOrigins: [https://app.example.com]\n"),
            limits: Self.limits("  allowedOrigins: [https://app.example.com]\n")
        )
        let reload = ConfigReload(running: running, loaded: loaded)
        #expect(reload.needsRestart.isEmpty, "\(reload.needsRestart)")
        #expect(
            reload.applied == ["http.cors.allowOrigins: [] → [https://app.example.com]", "websocket.allowedOrigins: [] → [https://app.example.com]"],
            "\(reload.applied)"
        )
        #expect(reload.configuration.cors == loaded.cors)
        #expect(reload.configuration.limits.webSocket.allowedOrigins == ["https://app.example.com"])
        #expect(reload.configuration.digest == loaded.digest)
    }
}
