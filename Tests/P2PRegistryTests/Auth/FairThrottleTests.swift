import DocumentStore
import Foundation
import ServerConfig
import ServerEngine
import Testing

/// A blocked address still gets its valid tokens served; its invalid ones stay refused and slowed (issue 19, item 5).
@Suite(.serialized) struct FairThrottleTests {
    /// Three failures block the address; a failure while blocked waits 300 ms.
    static func throttled(_ limits: inout LimitsConfig) {
        limits.authThrottle = AuthThrottleConfig(
            window: .seconds(60),
            slowAfter: 100,
            delay: .milliseconds(1),
            maxDelay: .milliseconds(300),
            maxFailures: 3,
            blockFor: .seconds(300)
        )
    }

    @Test func aValidTokenFromABlockedAddressIsServedOverHTTPAndTheSocket() async throws {
        let registry = try await LiveRegistry.start(limits: Self.throttled)
        try await stopping(registry) {
            let forged = try await JWTAuthenticator(secret: "another-secret-0123456789abcdef0123", clock: registry.clock).mint(user: "mallory")
            for _ in 0..<3 {
                #expect(try await registry.http("GET", "/network/net1/peers", token: forged).status == 401)
            }
            #expect(
                registry.engine.authenticator?.throttle.blockedFor(
                    ip: "127.0.0.1",
                    config: registry.engine.configuration.limits.authThrottle,
                    now: registry.clock.now()
                ) != nil
            )

            // Valid tokens never seen before (so not remembered) are verified and served, over HTTP and the socket.
            let alice = try await registry.token("alice")
            #expect(try await registry.http("GET", "/network/net1/peers", token: alice).status == 200)
            let bob = try await registry.token("bob")
            let socket = TestSocket.connect(registry, deviceId: "peer_bob", token: bob)
            try await socket.ready()
            // A remembered token takes the socket's fast path and is served too.
            let again = TestSocket.connect(registry, deviceId: "peer_alice", token: alice)
            try await again.ready()

            // Invalid tokens from the address are refused as before, and each waits out the longest delay.
            let started = ContinuousClock.now
            let refused = try await registry.http("GET", "/network/net1/peers", token: forged)
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(refused.status == 429)
            #expect(refused.json["error"] as? String == "Too many failed authentications; try again later")
            #expect(try await registry.http("GET", "/network/net1/peers", token: nil).status == 429)
            let close = try await RawWebSocket.firstClose(
                port: registry.webSocketPort,
                path: "/signaling/peer_m",
                headers: ["Authorization": "Bearer \(forged)"]
            )
            #expect(close.code == 1008)
            #expect(close.reason.hasPrefix("Too many failed authentications; retry in "))

            let metrics = try await MetricsScrape.scrape(registry)
            #expect(metrics[#"auth_throttled_total{transport="http",action="blocked"}"#] == 1, "\(metrics.text)")
            #expect(metrics[#"auth_throttled_total{transport="http",action="refused"}"#] == 2)
            #expect(metrics[#"auth_throttled_total{transport="websocket",action="refused"}"#] == 1)
            #expect(metrics[#"auth_throttled_total{transport="http",action="passed"}"#] == 1)
            #expect(metrics[#"auth_throttled_total{transport="websocket",action="passed"}"#] == 2)
            socket.close()
            again.close()
        }
    }

    @Test func failuresDuringTheBlockKeepItRunning() async throws {
        let clock = ManualWallClock()
        let registry = try await LiveRegistry.start(clock: clock, limits: Self.throttled)
        try await stopping(registry) {
            let forged = try await JWTAuthenticator(secret: "another-secret-0123456789abcdef0123", clock: clock).mint(user: "mallory")
            for _ in 0..<3 { _ = try await registry.http("GET", "/network/net1/peers", token: forged) }
            clock.advance(by: 200)
            #expect(try await registry.http("GET", "/network/net1/peers", token: forged).status == 429)
            clock.advance(by: 200)  // 400 s after the block began, 200 s after the last failure
            let refused = try await registry.http("GET", "/network/net1/peers", token: forged)
            #expect(refused.status == 429)
        }
    }
}
