import ServerConfig
import Testing

/// `auth.jwt.algorithms`, `auth.jwt.requireExp` and `metrics.public` (issue 19).
@Suite struct AuthAndMetricsConfigTests {
    static func routes(jwt extra: String) -> String {
        ConfigFixtures.routes.replacingFirst("    secret: ${JWT_SECRET:-}", with: "    secret: ${JWT_SECRET:-}\n" + extra)
    }

    @Test func defaultsAreHS256WithExpRequiredAndMetricsNotPublic() throws {
        let config = try ConfigFixtures.load()
        #expect(config.auth.algorithms == [.hs256])
        #expect(config.auth.requireExp)
        #expect(!config.metrics.isPublic)
        #expect(config.metrics.isClosedOnAPIPort)
        let summary = config.summary()
        #expect(summary.contains("algorithms: [HS256], requireExp: true"))
        #expect(summary.contains("public: false"))
    }

    @Test func algorithmsAndRequireExpAreRead() throws {
        let config = try ConfigFixtures.load(routes: Self.routes(jwt: "    algorithms: [HS512, HS256, HS512]\n    requireExp: false"))
        #expect(config.auth.algorithms == [.hs512, .hs256])
        #expect(!config.auth.requireExp)
        #expect(config.summary().contains("algorithms: [HS512, HS256], requireExp: false"))
        let single = try ConfigFixtures.load(routes: Self.routes(jwt: "    algorithms: HS384"))
        #expect(single.auth.algorithms == [.hs384])
    }

    @Test(arguments: ["[RS256]", "[HS256, none]", "[hs256]", "[HS257]"])
    func anAlgorithmOneSecretCannotVerifyIsAnError(list: String) {
        let routes = Self.routes(jwt: "    algorithms: \(list)")
        let errors = ConfigFixtures.errors(routes: routes)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.message.contains("unsupported JWT algorithm") == true)
        #expect(errors.first?.message.contains("HS256, HS384, HS512") == true)
        #expect(errors.first?.location.file == "routes.yaml")
        #expect(errors.first?.location.line == ConfigFixtures.line(of: "algorithms:", in: routes))
    }

    @Test func hs384AndHS512NeedASecretAsLongAsTheirHash() throws {
        let routes = Self.routes(jwt: "    algorithms: [HS256, HS512]")
        let short = String(repeating: "s", count: 63)
        let errors = ConfigFixtures.errors(environment: ["JWT_SECRET": short], routes: routes)
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("HS512 needs a secret of at least 64 bytes and JWT_SECRET has 63") == true)
        let config = try ConfigFixtures.load(environment: ["JWT_SECRET": short + "s"], routes: routes)
        #expect(config.auth.algorithms == [.hs256, .hs512])
    }

    @Test func anEmptyAlgorithmListIsAnError() {
        let errors = ConfigFixtures.errors(routes: Self.routes(jwt: "    algorithms: []"))
        #expect(errors.count == 1)
        #expect(errors.first?.keyPath == "auth.jwt.algorithms")
    }

    @Test func metricsPublicComesFromTheEnvironment() throws {
        let routes = ConfigFixtures.routes + "\nmetrics:\n  public: ${METRICS_PUBLIC:-false}\n"
        let open = try ConfigFixtures.load(environment: ["METRICS_PUBLIC": "true"], routes: routes)
        #expect(open.metrics.isPublic)
        #expect(!open.metrics.isClosedOnAPIPort)
        #expect(!ConfigFixtures.errors(environment: ["METRICS_PUBLIC": "maybe"], routes: routes).isEmpty)
    }
}
