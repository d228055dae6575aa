import Foundation
import Logging
import NetworkTestSupport
import ServerConfig
import ServerEngine
import Testing

/// CORS on a registry served on real sockets: preflights, the headers of real answers (errors included) for allowed
/// and other origins, `*`, the environment variable, a live reload, and the signaling listener's Origin check.
/// Serialized: each test starts a registry, and eleven starting at once beside the rest of the suite crowd two cores.
@Suite(.serialized) struct CORSTests {
    static let page = "http://app.example:8000"
    static let other = "https://evil.example"
    static let allowingPage = ["CORS_ALLOW_ORIGINS": page]

    static func preflight(_ registry: LiveRegistry, _ path: String, origin: String, method: String) async throws -> CORSExchange {
        try await CORSExchange.send(
            "OPTIONS",
            path,
            port: registry.httpPort,
            headers: ["Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "authorization,content-type"]
        )
    }

    static let announceBody = #"{"peerId":"peer_a","signalAddress":"wss://signal.example.com/a","capabilities":["relay"]}"#

    @Test func aPreflightFromAnAllowedOriginIsAnsweredWithTheRoutesMethods() async throws {
        let registry = try await LiveRegistry.start(environment: Self.allowingPage)
        try await stopping(registry) {
            let peers = try await Self.preflight(registry, "/network/net1/peers", origin: Self.page, method: "GET")
            #expect(peers.status == 204)
            #expect(peers.header("Access-Control-Allow-Origin") == Self.page)
            #expect(peers.header("Access-Control-Allow-Methods") == "GET, HEAD")
            #expect(peers.header("Access-Control-Allow-Headers") == "Authorization, Content-Type, If-None-Match")
            #expect(peers.header("Access-Control-Max-Age") == "600")
            #expect(peers.header("Access-Control-Allow-Credentials") == nil)
            #expect(peers.varies.contains("origin"))
            let announce = try await Self.preflight(registry, "/network/net1/announce", origin: Self.page, method: "POST")
            #expect(announce.status == 204)
            #expect(announce.header("Access-Control-Allow-Methods") == "POST")
            let health = try await Self.preflight(registry, "/readyz", origin: Self.page, method: "GET")
            #expect(health.status == 204)
            #expect(health.header("Access-Control-Allow-Origin") == Self.page)
        }
    }

    @Test func aPreflightFromAnotherOriginIsRefusedWith403AndNoCORSHeader() async throws {
        let registry = try await LiveRegistry.start(environment: Self.allowingPage)
        try await stopping(registry) {
            for origin in [Self.other, "http://app.example:8001", "null"] {
                let refused = try await Self.preflight(registry, "/network/net1/peers", origin: origin, method: "GET")
                #expect(refused.status == 403, "\(origin)")
                #expect(refused.json["error"] as? String == "Origin \(origin) is not allowed to call this API")
                #expect(refused.corsHeaders.isEmpty, "\(origin): \(refused.corsHeaders)")
                #expect(refused.varies.contains("origin"))
            }
        }
    }

    @Test func aPreflightForAnUndeclaredPathOrMethodGetsWhatTheRequestWould() async throws {
        let registry = try await LiveRegistry.start(environment: Self.allowingPage)
        try await stopping(registry) {
            let unknown = try await Self.preflight(registry, "/network/net1/members", origin: Self.page, method: "GET")
            #expect(unknown.status == 404)
            #expect(unknown.json["error"] as? String == "Not found: GET /network/net1/members")
            #expect(unknown.corsHeaders.isEmpty, "\(unknown.corsHeaders)")
            let wrongMethod = try await Self.preflight(registry, "/network/net1/peers", origin: Self.page, method: "DELETE")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.header("Allow") == "GET, HEAD")
            #expect(wrongMethod.json["error"] as? String == "Method DELETE not allowed; use GET, HEAD")
            #expect(wrongMethod.corsHeaders.isEmpty, "\(wrongMethod.corsHeaders)")
        }
    }

    @Test func realAnswersToAnAllowedOriginCarryTheHeadersErrorsIncluded() async throws {
        let registry = try await LiveRegistry.start(environment: Self.allowingPage.merging(["RATE_LIMIT_MAX_REQUESTS": "1"]) { _, new in new })
        try await stopping(registry) {
            let token = try await registry.token("alice")
            let port = registry.httpPort
            let headers = ["Origin": Self.page, "Authorization": "Bearer \(token)"]
            let first = try await CORSExchange.send("POST", "/network/net1/announce", port: port, headers: headers, body: Self.announceBody)
            let limited = try await CORSExchange.send("POST", "/network/net1/announce", port: port, headers: headers, body: Self.announceBody)
            let bob = ["Origin": Self.page, "Authorization": "Bearer \(try await registry.token("bob"))"]
            let invalid = try await CORSExchange.send("POST", "/network/net1/announce", port: port, headers: bob, body: #"{"peerId":"x"}"#)
            let peers = try await CORSExchange.send("GET", "/network/net1/peers", port: port, headers: headers)
            let anonymous = try await CORSExchange.send("GET", "/network/net1/peers", port: port, headers: ["Origin": Self.page])
            #expect(first.status == 200)
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") != nil)
            #expect(invalid.status == 400)
            #expect(peers.status == 200)
            #expect(anonymous.status == 401)
            #expect(anonymous.json["error"] as? String == "Authentication required")
            for answer in [first, limited, invalid, peers, anonymous] {
                #expect(answer.header("Access-Control-Allow-Origin") == Self.page, "\(answer.status)")
                #expect(
                    answer.header("Access-Control-Expose-Headers")
                        == "RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, ETag, Retry-After, X-Request-Id",
                    "\(answer.status)"
                )
                #expect(answer.varies.contains("origin"), "\(answer.status)")
                #expect(answer.header("Access-Control-Allow-Credentials") == nil)
            }
        }
    }

    @Test func realAnswersToAnotherOriginCarryNoCORSHeaderAndAreServedAsBefore() async throws {
        let registry = try await LiveRegistry.start(environment: Self.allowingPage)
        try await stopping(registry) {
            let token = try await registry.token("alice")
            let port = registry.httpPort
            let served = try await CORSExchange.send(
                "GET",
                "/network/net1/peers",
                port: port,
                headers: ["Origin": Self.other, "Authorization": "Bearer \(token)"]
            )
            let refused = try await CORSExchange.send("GET", "/network/net1/peers", port: port, headers: ["Origin": Self.other])
            let noOrigin = try await CORSExchange.send("GET", "/network/net1/peers", port: port, headers: ["Authorization": "Bearer \(token)"])
            #expect(served.status == 200)
            #expect(refused.status == 401)
            #expect(noOrigin.status == 200)
            for answer in [served, refused, noOrigin] {
                #expect(answer.corsHeaders.isEmpty, "\(answer.status): \(answer.corsHeaders)")
                #expect(answer.varies.contains("origin"), "a cache must not hand this answer to the allowed origin")
            }
        }
    }

    @Test func aWildcardAllowsEveryOriginWithoutVary() async throws {
        let registry = try await LiveRegistry.start(environment: ["CORS_ALLOW_ORIGINS": "*"])
        try await stopping(registry) {
            let preflight = try await Self.preflight(registry, "/network/net1/peers", origin: Self.other, method: "GET")
            #expect(preflight.status == 204)
            #expect(preflight.header("Access-Control-Allow-Origin") == "*")
            let answer = try await CORSExchange.send("GET", "/network/net1/peers", port: registry.httpPort, headers: ["Origin": Self.other])
            #expect(answer.status == 401)
            #expect(answer.header("Access-Control-Allow-Origin") == "*")
            #expect(!answer.varies.contains("origin"))
        }
    }

    @Test func corsIsOffByDefaultAndAPreflightGets405AsBefore() async throws {
        let registry = try await LiveRegistry.start()
        try await stopping(registry) {
            let preflight = try await Self.preflight(registry, "/network/net1/peers", origin: Self.page, method: "GET")
            #expect(preflight.status == 405)
            #expect(preflight.header("Allow") == "GET, HEAD")
            #expect(preflight.corsHeaders.isEmpty)
            let answer = try await CORSExchange.send("GET", "/network/net1/peers", port: registry.httpPort, headers: ["Origin": Self.page])
            #expect(answer.status == 401)
            #expect(answer.corsHeaders.isEmpty)
            #expect(answer.header("Vary") == nil)
        }
    }

    @Test func theEnvironmentVariableWinsOverTheFile() async throws {
        let copy = try LiveReloadTests.ConfigCopy()
        defer { copy.remove() }
        try copy.edit("routes.yaml", "allowOrigins: []", "allowOrigins: [https://file.example]")
        let fromFile = try await LiveRegistry.start(configDirectory: copy.directory)
        let fileAnswer = try await Self.preflight(fromFile, "/network/net1/peers", origin: "https://file.example", method: "GET")
        await fromFile.stop()
        #expect(fileAnswer.status == 204)

        let registry = try await LiveRegistry.start(environment: Self.allowingPage, configDirectory: copy.directory)
        try await stopping(registry) {
            let page = try await Self.preflight(registry, "/network/net1/peers", origin: Self.page, method: "GET")
            let file = try await Self.preflight(registry, "/network/net1/peers", origin: "https://file.example", method: "GET")
            #expect(page.status == 204)
            #expect(file.status == 403)
        }
    }

    @Test func aReloadChangesTheAllowedOriginsForTheNextRequest() async throws {
        let registry = try await LiveRegistry.start(environment: LiveReloadTests.environment)
        try await stopping(registry) {
            let copy = try LiveReloadTests.ConfigCopy()
            defer { copy.remove() }
            #expect(try await Self.preflight(registry, "/network/net1/peers", origin: Self.page, method: "GET").status == 405)

            try copy.edit("routes.yaml", "allowOrigins: []", "allowOrigins: ['\(Self.page)']")
            try copy.editLimits("allowedOrigins: []", "allowedOrigins: ['\(Self.page)']")
            let outcome = registry.engine.reloadConfiguration(loader: copy.loader)
            guard case .applied(let reload, _) = outcome else { throw TestFailure("reload not applied: \(outcome)") }
            #expect(reload.needsRestart.isEmpty, "\(reload.needsRestart)")
            #expect(reload.applied.contains { $0.hasPrefix("http.cors.allowOrigins:") }, "\(reload.applied)")
            #expect(reload.applied.contains { $0.hasPrefix("websocket.allowedOrigins:") }, "\(reload.applied)")
            let allowed = try await Self.preflight(registry, "/network/net1/peers", origin: Self.page, method: "GET")
            #expect(allowed.status == 204)
            #expect(allowed.header("Access-Control-Allow-Origin") == Self.page)
            #expect(try await Self.preflight(registry, "/network/net1/peers", origin: Self.other, method: "GET").status == 403)
            #expect(try await Self.upgradeHead(registry, origin: Self.other).hasPrefix("HTTP/1.1 403"))

            try copy.edit("routes.yaml", "allowOrigins: ['\(Self.page)']", "allowOrigins: ['\(Self.other)']")
            guard case .applied = registry.engine.reloadConfiguration(loader: copy.loader) else { throw TestFailure("second reload not applied") }
            #expect(try await Self.preflight(registry, "/network/net1/peers", origin: Self.page, method: "GET").status == 403)
            #expect(try await Self.preflight(registry, "/network/net1/peers", origin: Self.other, method: "GET").status == 204)
        }
    }

    /// The response head of a signaling upgrade with `origin` (none when nil) and `token`.
    static func upgradeHead(_ registry: LiveRegistry, origin: String?, token: String? = nil) async throws -> String {
        var headers: [String: String] = [:]
        if let origin { headers["Origin"] = origin }
        if let token { headers["Authorization"] = "Bearer \(token)" }
        let port = registry.webSocketPort
        let upgrade = WebSocketWire.upgradeRequest(path: "/signaling/peer_a", port: port, headers: headers)
        return try await BlockingIO.run {
            let socket = try LoopbackSocket.connect(port: port, receiveTimeout: 15)
            try socket.write(upgrade)
            return try socket.readHead()
        }
    }

    @Test func aSignalingUpgradeFromAnOriginNotListedIsRefusedWith403() async throws {
        let capture = LogCapture()
        let registry = try await LiveRegistry.start(logger: capture.logger(level: .notice)) { limits in limits.webSocket.allowedOrigins = [Self.page]
        }
        try await stopping(registry) {
            let token = try await registry.token("alice")
            #expect(try await registry.announce("net1", peerId: "peer_a", token: token) == 200)
            let refused = try await Self.upgradeHead(registry, origin: Self.other, token: token)
            #expect(refused.hasPrefix("HTTP/1.1 403"), "\(refused)")
            #expect(refused.lowercased().contains("content-type: application/json"), "\(refused)")
            let logged = try await capture.waitFor("signaling upgrade refused: origin not allowed")
            #expect((logged?["data"] as? [String: Any])?["origin"] as? String == Self.other, "\(logged ?? [:])")
            let listed = try await Self.upgradeHead(registry, origin: "HTTP://APP.example:8000", token: token)
            #expect(listed.hasPrefix("HTTP/1.1 101"), "\(listed)")
            let noOrigin = try await Self.upgradeHead(registry, origin: nil, token: token)
            #expect(noOrigin.hasPrefix("HTTP/1.1 101"), "\(noOrigin)")
        }
    }

    @Test func withoutAnOriginListEveryUpgradeIsAllowed() async throws {
        let registry = try await LiveRegistry.start()
        try await stopping(registry) {
            let token = try await registry.token("alice")
            #expect(try await registry.announce("net1", peerId: "peer_a", token: token) == 200)
            let head = try await Self.upgradeHead(registry, origin: Self.other, token: token)
            #expect(head.hasPrefix("HTTP/1.1 101"), "\(head)")
        }
    }
}
