import Foundation
import Testing

/// `registry serve` as operators run it: JSON event lines on stdout, `/metrics`, and request ids.
@Suite struct ObservabilityProcessTests {
    @Test func serveWritesJSONLinesAndServesMetrics() async throws {
        let secret = "test-secret-test-secret-test-secret"
        let server = try RegistryProcess(
            ["serve"],
            environment: [
                "JWT_SECRET": secret, "PORT": "0", "SIGNALING_PORT": "0", "HOST": "127.0.0.1", "LOG_LEVEL": "debug",
                "METRICS_TOKEN": "metrics-token-0123456789",
            ]
        )
        let port = try await server.waitForOutput(matching: RegistryProcess.httpListeningPattern)
        let health = try await HTTP.request("GET", "http://127.0.0.1:\(port)/healthz", headers: ["X-Request-Id": "probe-1"])
        #expect(health.status == 200)
        let minted = try await RegistryProcess.run(["token", "--user", "alice"], environment: ["JWT_SECRET": secret])
        let token = minted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let peers = try await HTTP.request("GET", "http://127.0.0.1:\(port)/network/net1/peers", headers: ["Authorization": "Bearer \(token)"])
        #expect(peers.status == 200)
        let metrics = try await HTTP.request(
            "GET",
            "http://127.0.0.1:\(port)/metrics",
            headers: ["Authorization": "Bearer metrics-token-0123456789"]
        )
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("websocket_connections 0"))
        #expect(metrics.body.contains(#"http_requests_total{method="GET",route="/network/:networkId/peers",status="2xx"} 1"#))
        _ = try await server.waitForOutput(matching: #""event":"(http request)".*"/network/:networkId/peers""#)
        server.terminate()
        #expect(try await server.waitForExit(timeout: 15) == 0)

        let lines = server.text.stdout.split(separator: "\n")
        #expect(lines.count >= 3)
        for line in lines {
            let event = try #require((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], "not a JSON line: \(line)")
            #expect(event["timestamp"] is String)
            #expect(event["level"] is String)
            #expect(event["event"] is String)
            #expect(event["service"] as? String == "p2p-registry")
        }
        let stdout = server.text.stdout
        #expect(stdout.contains(#""event":"HTTP API listening""#))
        #expect(stdout.contains(#""requestId":"probe-1""#))
        #expect(!stdout.contains(token))
        #expect(!stdout.contains(secret))
    }
}
