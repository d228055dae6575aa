import DocumentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import P2PRegistry
import ServerConfig
import ServerEngine
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `GET /network/:networkId/ice-servers`: STUN URLs as configured, TURN URLs with a credential in coturn's REST scheme
/// (`<expiry>:<userId>`, base64 HMAC-SHA1 with `TURN_SECRET`), through the server on real sockets; the secret itself
/// never leaves it. (coturn accepting the credentials is proven in Tests/e2e/test_turn.py.) Serialized: its live servers
/// start one at a time, so the suite adds one server, not six, to those the parallel tests start at once.
@Suite(.serialized) struct ICEServersTests {
    static let secret = "turn-secret-0123456789abcdef-XYZ"
    static let stun = "stun:stun.example.com:3478"
    static let turn = "turn:turn.example.com:3478?transport=udp"
    static let configured = ["STUN_URLS": stun, "TURN_URLS": "\(turn),turns:turn.example.com:5349", "TURN_SECRET": secret]

    /// One request to a live registry's HTTP API: status, headers, body text.
    static func fetch(
        _ registry: LiveRegistry,
        network: String = "net1",
        token: String?
    ) async throws -> (
        status: Int, headers: [String: String], body: String
    ) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(registry.httpPort)/network/\(network)/ice-servers")!)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] { headers["\(name)".lowercased()] = "\(value)" }
        return (http?.statusCode ?? 0, headers, String(decoding: data, as: UTF8.self))
    }

    static func json(_ text: String) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]) ?? [:]
    }

    /// The known answer: HMAC-SHA1("turn-secret-0123456789abcdef-XYZ", "1800000600:alice") in base64, computed with
    /// Python's hmac module, so the handler is checked against an independent implementation.
    @Test(arguments: RegistryBackend.all) func turnCredentialsFollowCoturnsRESTScheme(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(environment: Self.configured, backend: backend)
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let response = try await client.get("/network/net1/ice-servers", token: token)
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(
                String(buffer: response.body)
                    == #"{"iceServers":[{"urls":["stun:stun.example.com:3478"]},{"urls":["turn:turn.example.com:3478?transport=udp","turns:turn.example.com:5349"],"#
                    + #""username":"1800000600:alice","credential":"w4qqUFJEnPG++Bg3rnYADIsTgVc="}],"ttl":600}"#
            )
            // The expiry follows the clock: 90 s later, a credential 90 s later.
            registry.clock.advance(by: 90)
            let later = try await client.get("/network/net1/ice-servers", token: token)
            let servers = later.json["iceServers"] as? [[String: Any]]
            #expect(servers?.last?["username"] as? String == "1800000690:alice")
            #expect(servers?.last?["credential"] as? String != "w4qqUFJEnPG++Bg3rnYADIsTgVc=")
        }
    }

    @Test func withoutATURNSecretOnlySTUNIsListedAndWithoutURLsNothing() async throws {
        let stunOnly = try await LiveRegistry.start(environment: ["STUN_URLS": Self.stun, "TURN_URLS": Self.turn])
        let bare = try await LiveRegistry.start()
        try await stopping(stunOnly, bare) {
            let reply = try await Self.fetch(stunOnly, token: try await stunOnly.token("alice"))
            #expect(reply.status == 200)
            #expect(reply.body == #"{"iceServers":[{"urls":["stun:stun.example.com:3478"]}],"ttl":600}"#)
            let empty = try await Self.fetch(bare, token: try await bare.token("alice"))
            #expect(empty.status == 200)
            #expect(empty.body == #"{"iceServers":[],"ttl":600}"#)
        }
    }

    @Test func aCredentialIsForTheCallerAndExpiresAfterTheTTL() async throws {
        let registry = try await LiveRegistry.start(environment: Self.configured)
        try await stopping(registry) {
            let before = Int64(Date().timeIntervalSince1970)
            let reply = try await Self.fetch(registry, token: try await registry.token("bob"))
            let after = Int64(Date().timeIntervalSince1970)
            #expect(reply.status == 200)
            #expect(reply.headers["cache-control"] == "no-store")
            let body = Self.json(reply.body)
            #expect(body["ttl"] as? Int == 600)
            let turn = try #require((body["iceServers"] as? [[String: Any]])?.last)
            #expect(turn["urls"] as? [String] == [Self.turn, "turns:turn.example.com:5349"])
            let username = try #require(turn["username"] as? String)
            let parts = username.split(separator: ":", maxSplits: 1)
            #expect(parts.count == 2 && parts[1] == "bob", "\(username)")
            let expiry = try #require(Int64(parts[0]))
            #expect(expiry >= before + 600 && expiry <= after + 600, "\(expiry) not 600 s after \(before)…\(after)")
            let credential = try #require(turn["credential"] as? String)
            #expect(Data(base64Encoded: credential)?.count == 20, "an HMAC-SHA1 is 20 bytes: \(credential)")
        }
    }

    @Test func aTokenIsRequiredAndTheNetworksClaimApplies() async throws {
        let registry = try await LiveRegistry.start(environment: Self.configured)
        try await stopping(registry) {
            let missing = try await Self.fetch(registry, token: nil)
            #expect(missing.status == 401)
            #expect(Self.json(missing.body)["error"] as? String == "Authentication required")
            let forged = try await Self.fetch(registry, token: "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6ImFsaWNlIn0.c2lnbmF0dXJl")
            #expect(forged.status == 401)
            let limited = try await registry.token("alice", networks: ["net1"])
            #expect(try await Self.fetch(registry, network: "net1", token: limited).status == 200)
            let other = try await Self.fetch(registry, network: "net2", token: limited)
            #expect(other.status == 403)
            #expect(Self.json(other.body)["error"] as? String == "Token does not grant access to network net2")
            let invalid = try await Self.fetch(registry, network: "net-1", token: limited)
            #expect(invalid.status == 400)
            for reply in [missing, forged, other, invalid] { #expect(!reply.body.contains("credential"), "\(reply.body)") }
        }
    }

    /// limits.yaml `rateLimits.iceServers`: 30 a minute per user; the 31st is a 429, and other users and routes keep
    /// their own counts.
    @Test(arguments: RegistryBackend.all) func theThirtyFirstRequestInAMinuteIs429(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(environment: Self.configured, backend: backend) { limits in
            limits.rateLimits["iceServers"]?.window = .seconds(86_400)  // one window for the whole test, however slow
        }
        try await stopping(registry) {
            let alice = try await registry.token("alice")
            for attempt in 1...30 {
                let reply = try await Self.fetch(registry, token: alice)
                #expect(reply.status == 200, "request \(attempt)")
                #expect(reply.headers["ratelimit-limit"] == "30")
            }
            let refused = try await Self.fetch(registry, token: alice)
            #expect(refused.status == 429)
            #expect(Self.json(refused.body)["error"] as? String == "Too many ICE server requests")
            #expect(refused.headers["retry-after"] != nil)
            #expect(!refused.body.contains("credential"))
            #expect(try await Self.fetch(registry, token: try await registry.token("bob")).status == 200)
            #expect(try await registry.announce("net1", peerId: "peer_a", token: alice) == 200)
        }
    }

    /// The secret is in no answer, no log line (at trace level, a rejected and an applied reload included) and not in
    /// the published OpenAPI document.
    @Test func theSecretNeverLeavesTheServer() async throws {
        let capture = LogCapture()
        let registry = try await LiveRegistry.start(environment: Self.configured, logger: capture.logger())
        try await stopping(registry) {
            let token = try await registry.token("alice")
            var bodies = [try await Self.fetch(registry, token: token).body, try await Self.fetch(registry, token: nil).body]
            bodies.append(try await Self.fetch(registry, network: "net-1", token: token).body)
            var openAPI = URLRequest(url: URL(string: "http://127.0.0.1:\(registry.httpPort)/openapi.json")!)
            openAPI.httpMethod = "GET"
            bodies.append(String(decoding: try await URLSession.shared.data(for: openAPI).0, as: UTF8.self))
            #expect(bodies[3].contains("/network/{networkId}/ice-servers"))

            let copy = try LiveReloadTests.ConfigCopy()
            defer { copy.remove() }
            let loader = ConfigLoader(
                directory: copy.directory.path,
                environment: LiveRegistry.baseEnvironment.merging(Self.configured) { _, new in new },
                catalog: registry.engine.handlers.catalog
            )
            try copy.edit("routes.yaml", "credentialTtl: 10m", "credentialTtl: nonsense")
            guard case .rejected = registry.engine.reloadConfiguration(loader: loader) else { throw TestFailure("reload not rejected") }
            try copy.edit("routes.yaml", "credentialTtl: nonsense", "credentialTtl: 10m")
            try copy.edit("routes.yaml", "turnSecret: ${TURN_SECRET:-}", "turnSecret: \(Self.secret.uppercased())")
            guard case .applied = registry.engine.reloadConfiguration(loader: loader) else { throw TestFailure("reload not applied") }
            bodies.append(try await Self.fetch(registry, token: token).body)

            let logged = capture.text.joined(separator: "\n")
            #expect(logged.contains("ice.turnSecret: <set, 32 bytes> → <set, 32 bytes> (changed)"), "\(logged)")
            for secret in [Self.secret, Self.secret.uppercased()] {
                #expect(!logged.contains(secret))
                for body in bodies { #expect(!body.contains(secret)) }
            }
        }
    }

    /// A reload (SIGHUP) applies `ice:` to the next request: here a new STUN URL, a rotated secret and a shorter TTL.
    @Test func aReloadAppliesToTheNextRequest() async throws {
        let registry = try await LiveRegistry.start(environment: Self.configured)
        try await stopping(registry) {
            let token = try await registry.token("alice")
            let before = Self.json(try await Self.fetch(registry, token: token).body)
            let copy = try LiveReloadTests.ConfigCopy()
            defer { copy.remove() }
            try copy.edit("routes.yaml", "stunUrls: ${STUN_URLS:-}", "stunUrls: 'stun:other.example:3478'")
            try copy.edit("routes.yaml", "turnSecret: ${TURN_SECRET:-}", "turnSecret: rotated-secret-0123456789abcdef")
            try copy.edit("routes.yaml", "credentialTtl: 10m", "credentialTtl: 2m")
            let loader = ConfigLoader(
                directory: copy.directory.path,
                environment: LiveRegistry.baseEnvironment.merging(Self.configured) { _, new in new },
                catalog: registry.engine.handlers.catalog
            )
            guard case .applied(let reload, _) = registry.engine.reloadConfiguration(loader: loader) else { throw TestFailure("not applied") }
            #expect(reload.needsRestart.isEmpty, "\(reload.needsRestart)")
            #expect(!reload.applied.isEmpty && reload.applied.allSatisfy { $0.hasPrefix("ice.") }, "\(reload.applied)")
            let after = Self.json(try await Self.fetch(registry, token: token).body)
            #expect(after["ttl"] as? Int == 120)
            let servers = after["iceServers"] as? [[String: Any]] ?? []
            #expect(servers.first?["urls"] as? [String] == ["stun:other.example:3478"])
            let credentialBefore = (before["iceServers"] as? [[String: Any]])?.last?["credential"] as? String
            #expect(servers.last?["credential"] as? String != credentialBefore)
        }
    }
}
