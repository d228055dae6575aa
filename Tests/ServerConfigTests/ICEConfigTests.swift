import ServerConfig
import Testing

/// routes.yaml `ice:` with `STUN_URLS`, `TURN_URLS`, `TURN_SECRET`: reading, checking, printing (the secret never),
/// reloading.
@Suite struct ICEConfigTests {
    static let section = """
        ice:
          stunUrls: ${STUN_URLS:-}
          turnUrls: ${TURN_URLS:-}
          turnSecret: ${TURN_SECRET:-}
          credentialTtl: 10m

        """
    static let secret = "turn-secret-0123456789abcdef-XYZ"

    /// The warnings about `ice:` (the fixtures' empty JWT secret has one of its own).
    static func iceWarnings(_ config: ServerConfiguration) -> [ConfigDiagnostic] {
        config.warnings.filter { $0.keyPath.hasPrefix("ice.") }
    }

    static func routes(_ ice: String = section) -> String {
        ConfigFixtures.routes.replacingFirst("routes:\n", with: ice + "routes:\n")
    }

    @Test func nothingIsHandedOutByDefault() throws {
        let config = try ConfigFixtures.load()
        #expect(config.ice == ICEConfig())
        #expect(config.ice.credentialTTL == .seconds(600))
        #expect(!config.ice.handsOutTURN)
        let empty = try ConfigFixtures.load(routes: Self.routes())
        #expect(empty.ice.stunURLs.isEmpty && empty.ice.turnURLs.isEmpty && empty.ice.turnSecret.isEmpty)
        #expect(Self.iceWarnings(empty).isEmpty, "\(empty.warnings)")
    }

    @Test func theVariablesCarryCommaSeparatedLists() throws {
        let config = try ConfigFixtures.load(
            environment: [
                "STUN_URLS": "stun:stun.example.com:3478, stuns:stun.example.com",
                "TURN_URLS": "turn:turn.example.com:3478?transport=udp,turn:[2001:db8::1]:3478?transport=tcp,turns:turn.example.com:5349",
                "TURN_SECRET": Self.secret,
            ],
            routes: Self.routes()
        )
        #expect(config.ice.stunURLs == ["stun:stun.example.com:3478", "stuns:stun.example.com"])
        #expect(
            config.ice.turnURLs == [
                "turn:turn.example.com:3478?transport=udp", "turn:[2001:db8::1]:3478?transport=tcp", "turns:turn.example.com:5349",
            ]
        )
        #expect(config.ice.turnSecret == Self.secret)
        #expect(config.ice.handsOutTURN)
        #expect(Self.iceWarnings(config).isEmpty, "\(config.warnings)")
        let listed = try ConfigFixtures.load(
            routes: Self.routes("ice:\n  stunUrls: [stun:a.example, 'stun:b.example:19302']\n  credentialTtl: 90s\n\n")
        )
        #expect(listed.ice.stunURLs == ["stun:a.example", "stun:b.example:19302"])
        #expect(listed.ice.credentialTTLSeconds == 90)
    }

    @Test func eachInvalidURLIsAnErrorAtItsLine() {
        let routes = Self.routes(
            "ice:\n  stunUrls:\n    - stun://stun.example.com\n    - turn:turn.example.com\n  turnUrls:\n    - turn:turn.example.com:99999\n"
                + "    - turn:turn.example.com?transport=sctp\n    - turn:ok.example\n  turnSecret: x\n  credentialTtl: 0s\n  unknown: 1\n\n"
        )
        let errors = ConfigFixtures.errors(routes: routes)
        let text = errors.map(\.description).joined(separator: "\n")
        #expect(errors.count == 6, "\(text)")
        let slashes = errors.first { $0.message.contains("has '//' after its scheme") }
        #expect(slashes?.location.file == "routes.yaml")
        #expect(slashes?.location.line == ConfigFixtures.line(of: "stun://", in: routes), "\(text)")
        #expect(slashes?.keyPath == "ice.stunUrls[0]", "\(text)")
        #expect(errors.contains { $0.keyPath == "ice.stunUrls[1]" && $0.message.contains("(a TURN URL belongs in turnUrls)") }, "\(text)")
        #expect(errors.contains { $0.keyPath == "ice.turnUrls[0]" && $0.message.contains("invalid port '99999'") }, "\(text)")
        #expect(errors.contains { $0.keyPath == "ice.turnUrls[1]" && $0.message.contains("?transport=udp or ?transport=tcp") }, "\(text)")
        #expect(errors.contains { $0.keyPath == "ice.credentialTtl" && $0.message.contains("the minimum is 1s") }, "\(text)")
        #expect(errors.contains { $0.message.contains("unknown key 'unknown'") }, "\(text)")
        let fromVariable = ConfigFixtures.errors(environment: ["TURN_URLS": "turn:ok.example,http://turn.example"], routes: Self.routes())
        #expect(fromVariable.count == 1 && fromVariable[0].message.contains("'http://turn.example' does not start with turn: or turns:"))
        #expect(fromVariable.first?.location.line == ConfigFixtures.line(of: "turnUrls:", in: Self.routes()))
    }

    @Test func halfAConfiguredTURNIsAWarningAndTheSecretIsNeverInADiagnostic() throws {
        let noSecret = try ConfigFixtures.load(environment: ["TURN_URLS": "turn:turn.example.com"], routes: Self.routes())
        #expect(!noSecret.ice.handsOutTURN)
        #expect(
            Self.iceWarnings(noSecret).map(\.message) == [
                "turnUrls are set but turnSecret (TURN_SECRET) is empty: TURN is not handed out, clients get the STUN URLs only"
            ]
        )
        let noURLs = try ConfigFixtures.load(environment: ["TURN_SECRET": Self.secret], routes: Self.routes())
        #expect(Self.iceWarnings(noURLs).map(\.message) == ["turnSecret is set but there are no turnUrls (TURN_URLS): no TURN server is handed out"])
        let short = try ConfigFixtures.load(environment: ["TURN_URLS": "turn:t.example", "TURN_SECRET": "shortsecret"], routes: Self.routes())
        #expect(Self.iceWarnings(short).map(\.keyPath) == ["ice.turnSecret"], "\(short.warnings)")
        #expect(!short.warnings.map(\.description).joined().contains("shortsecret"))
        let long = try ConfigFixtures.load(routes: Self.routes("ice:\n  credentialTtl: 2d\n\n"))
        #expect(Self.iceWarnings(long).map(\.keyPath) == ["ice.credentialTtl"], "\(long.warnings)")
        #expect(long.ice.credentialTTL == .seconds(172_800))
    }

    @Test func theSecretIsRedactedWhereverTheConfigurationIsPrinted() throws {
        let config = try ConfigFixtures.load(
            environment: ["STUN_URLS": "stun:s.example", "TURN_URLS": "turn:t.example", "TURN_SECRET": Self.secret],
            routes: Self.routes()
        )
        let summary = config.summary()
        #expect(
            summary.contains("ice: { stunUrls: [stun:s.example], turnUrls: [turn:t.example], turnSecret: <set, 32 bytes>, credentialTtl: 10m }"),
            "\(summary)"
        )
        var dumped = ""
        dump(config, to: &dumped)
        for text in [summary, "\(config)", String(reflecting: config), "\(config.ice)", dumped] {
            #expect(!text.contains(Self.secret))
        }
        #expect(dumped.contains("<redacted>"))
    }

    @Test func aReloadAppliesTheICESectionAndNamesARotatedSecretWithoutShowingIt() throws {
        let environment = ["TURN_URLS": "turn:t.example"]
        let running = try ConfigFixtures.load(
            environment: environment,
            routes: Self.routes("ice:\n  turnUrls: ${TURN_URLS}\n  turnSecret: old-secret-0123456789abcdef\n\n")
        )
        let loaded = try ConfigFixtures.load(
            environment: environment,
            routes: Self.routes(
                "ice:\n  stunUrls: stun:s.example\n  turnUrls: ${TURN_URLS}\n  turnSecret: new-secret-0123456789abcdef\n  credentialTtl: 5m\n\n"
            )
        )
        let reload = ConfigReload(running: running, loaded: loaded)
        #expect(reload.needsRestart.isEmpty, "\(reload.needsRestart)")
        #expect(
            reload.applied == [
                "ice.stunUrls: [] → [stun:s.example]",
                "ice.turnSecret: <set, 27 bytes> → <set, 27 bytes> (changed)",
                "ice.credentialTtl: 10m → 5m",
            ],
            "\(reload.applied)"
        )
        #expect(reload.configuration.ice == loaded.ice)
        #expect(reload.configuration.digest == loaded.digest)
        #expect(!reload.applied.joined().contains("secret-0123456789abcdef"))
        #expect(ConfigReload(running: running, loaded: running).applied.isEmpty)
    }

    @Test(arguments: [
        ("stun:stun.l.google.com:19302", ICEServerURL.Kind.stun, true),
        ("stuns:[::1]:5349", .stun, true),
        ("STUN:Stun.Example.com", .stun, true),
        ("stun:stun.example.com?transport=udp", .stun, false),
        ("stun:", .stun, false),
        ("stun:host:0", .stun, false),
        ("stun:bad host", .stun, false),
        ("turn:127.0.0.1:3478?transport=udp", .turn, true),
        ("turns:turn.example.com:5349?transport=tcp", .turn, true),
        ("turn:[2001:db8::1", .turn, false),
        ("turn:[::1]x", .turn, false),
        ("turn.example.com", .turn, false),
    ])
    func urlsAreCheckedAsWebRTCClientsParseThem(url: String, kind: ICEServerURL.Kind, valid: Bool) {
        let accepted: Bool
        do {
            try ICEServerURL.check(url, kind: kind)
            accepted = true
        } catch {
            accepted = false
        }
        #expect(accepted == valid, "\(url)")
    }
}
