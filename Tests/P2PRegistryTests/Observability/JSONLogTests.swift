import DocumentStore
import Foundation
import Logging
import P2PRegistry
import ServerEngine
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The JSON event log of a live registry: event names and fields, request ids, and no token anywhere.
@Suite(.serialized) struct JSONLogTests {
    /// A request with optional headers; returns the status and the response's `X-Request-Id`.
    static func get(_ registry: LiveRegistry, _ path: String, headers: [String: String]) async throws -> (status: Int, requestId: String?) {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(registry.httpPort)\(path)")))
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (_, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, http.value(forHTTPHeaderField: "X-Request-Id"))
    }

    @Test func eventsAreJSONLinesWithNamesFieldsAndNoToken() async throws {
        let capture = LogCapture()
        let registry = try await LiveRegistry.start(
            environment: LiveRegistry.oneDayRateLimitWindow.merging(["RATE_LIMIT_MAX_REQUESTS": "2"]) { _, new in new },
            logger: capture.logger()
        )
        try await stopping(registry) {
            let alice = try await registry.token("alice")
            let bob = try await registry.token("bob")
            #expect(try await registry.announce("net1", peerId: "peer_a", token: alice) == 200)
            #expect(try await registry.announce("net1", peerId: "peer_b", token: bob) == 200)
            #expect(try await registry.http("GET", "/network/net1/peers", token: bob + "x").status == 401)
            let a = TestSocket.connect(registry, deviceId: "peer_a", token: alice)
            let b = TestSocket.connect(registry, deviceId: "peer_b", token: bob, viaQuery: true)  // ?token=<jwt>
            try await a.ready()
            try await b.ready()
            a.signal("offer", to: "peer_b")
            _ = try await b.waitForFrames(2)
            b.close()
            try await capture.waitFor("signaling disconnected")
            a.signal("answer", to: "peer_b")
            try await capture.waitFor("message queued")
            #expect((try await registry.http("GET", "/signaling/messages/peer_b", token: bob).json["messages"] as? [Any])?.count == 1)
            #expect(try await registry.announce("net1", peerId: "peer_a", token: alice) == 200)
            #expect(try await registry.announce("net1", peerId: "peer_a", token: alice) == 429)
            let refused = TestSocket.connect(registry, deviceId: "peer_a", token: alice + "x", viaQuery: true)
            _ = try await refused.closeFrame()
            try await capture.waitFor("authentication failed")
            _ = try await registry.engine.makeJobScheduler(instanceId: "test").runOnce("presenceSweep")

            // Every line is one JSON object with the spec's logEvent fields plus level.
            let lines = capture.text
            #expect(!lines.isEmpty)
            for line in lines {
                let event = try #require((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], "not JSON: \(line)")
                #expect(event["service"] as? String == "p2p-registry")
                #expect(event["event"] is String)
                #expect(event["data"] is [String: Any])
                #expect(["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(event["level"] as? String ?? ""))
                let timestamp = try #require(event["timestamp"] as? String)
                #expect(timestamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(timestamp)")
            }
            // The events of the scenario.
            let announced = try #require(capture.events("device announced").first)
            #expect((announced["data"] as? [String: Any])?["deviceId"] as? String == "peer_a")
            #expect((announced["data"] as? [String: Any])?["networkId"] as? String == "net1")
            #expect(announced["requestId"] is String)
            for name in [
                "signaling connected", "message relayed", "signaling disconnected", "message queued", "drained signaling messages",
                "rate limit exceeded", "authentication failed", "job run finished", "http request",
            ] {
                #expect(!capture.events(name).isEmpty, "no '\(name)' event in \(lines.joined(separator: "\n"))")
            }
            let connected = try #require(capture.events("signaling connected").first)
            #expect((connected["data"] as? [String: Any])?["deviceId"] as? String != nil)
            let failures = capture.events("authentication failed").compactMap { ($0["data"] as? [String: Any])?["transport"] as? String }
            #expect(failures.contains("websocket"))
            #expect(capture.events("authentication failed").contains { $0["requestId"] is String })  // the HTTP 401
            // Every HTTP request event carries a request id and the route template.
            for request in capture.events("http request") {
                #expect(request["requestId"] is String)
                #expect((request["data"] as? [String: Any])?["route"] is String)
            }
            // No token, no secret, anywhere.
            let all = lines.joined(separator: "\n")
            for secret in [alice, bob, RegistryHarness.secret] {
                #expect(!all.contains(secret), "\(lines.filter { $0.contains(secret) }.map { String($0.prefix(300)) })")
            }
            for token in [alice, bob] {
                let signature = try #require(token.split(separator: ".").last)
                #expect(!all.contains(signature))
            }
        }
    }

    @Test func xRequestIdIsKeptWhenWellFormedAndReplacedOtherwise() async throws {
        let capture = LogCapture()
        let registry = try await LiveRegistry.start(logger: capture.logger())
        try await stopping(registry) {
            let kept = try await Self.get(registry, "/healthz", headers: ["X-Request-Id": "req-1.abc_DEF"])
            #expect(kept.status == 200)
            #expect(kept.requestId == "req-1.abc_DEF")
            let generated = try await Self.get(registry, "/no/such/path", headers: [:])
            #expect(generated.status == 404)
            let id = try #require(generated.requestId)
            #expect(id.wholeMatch(of: /[0-9a-f]{16}/) != nil)
            for malformed in ["has space", String(repeating: "x", count: 129), "semi;colon"] {
                let replaced = try await Self.get(registry, "/healthz", headers: ["X-Request-Id": malformed])
                let replacement = try #require(replaced.requestId)
                #expect(replacement != malformed)
                #expect(replacement.wholeMatch(of: /[0-9a-f]{16}/) != nil)
            }
            let alice = try await registry.token("alice")
            let peers = try await Self.get(
                registry,
                "/network/net1/peers",
                headers: ["X-Request-Id": "trace-42", "Authorization": "Bearer \(alice)"]
            )
            #expect(peers.status == 200)
            #expect(peers.requestId == "trace-42")
            let logged = capture.events("http request").filter { $0["requestId"] as? String == "trace-42" }
            #expect(logged.count == 1)
            #expect((logged.first?["data"] as? [String: Any])?["route"] as? String == "/network/:networkId/peers")
            #expect((logged.first?["data"] as? [String: Any])?["status"] as? String == "200")
            #expect(capture.events("http request").contains { $0["requestId"] as? String == id })
            #expect(!capture.text.joined().contains(alice))
        }
    }

    @Test func handlerRedactsSecretsWhereverTheyAppear() throws {
        let capture = LogCapture()
        let logger = capture.logger(service: "svc")
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6ImFsaWNlIn0.c2lnbmF0dXJl"
        logger.info(
            "upgrade /signaling/x?token=\(jwt)&a=1",
            metadata: [
                "authorization": "Bearer \(jwt)", "note": "saw \(jwt)", "nested": ["token": "abc", "list": ["Bearer xyz"]],
            ]
        )
        let line = try #require(capture.text.first)
        #expect(!line.contains(jwt))
        #expect(!line.contains("abc"))
        #expect(!line.contains("xyz"))
        let event = try #require(capture.events.first)
        #expect(event["service"] as? String == "svc")
        #expect(event["event"] as? String == "upgrade /signaling/x?token=[redacted]&a=1")
        #expect((event["data"] as? [String: Any])?["authorization"] as? String == "[redacted]")
        #expect(JSONLogHandler.level(fromEnvironment: ["LOG_LEVEL": "DEBUG"]) == .debug)
        #expect(JSONLogHandler.level(fromEnvironment: ["LOG_LEVEL": "nonsense"]) == .info)
        #expect(JSONLogHandler.level(fromEnvironment: [:]) == .info)
    }
}
