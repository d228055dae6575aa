import DocumentStore
import Foundation
import HummingbirdWSClient
import NIOWebSocket
import ServerConfig
import Testing

/// `websocket.maxRateViolations`, enforced by the engine's session: each message a rate refuses gets a `rate_limited`
/// error frame, and more than the bound in a row close the socket with 1008. The socket's bucket holds one message
/// (the readiness probe takes it) and refills only when the test moves the clock, which starts at the real time (MongoDB
/// compares the devices' `lastSeen` with its own).
@Suite(.serialized) struct RateViolationTests {
    static func registry(backend: RegistryBackend, clock: ManualWallClock, maxRateViolations: Int) async throws -> LiveRegistry {
        try await LiveRegistry.start(
            environment: ["SIGNALING_MESSAGE_BURST": "1", "SIGNALING_MESSAGES_PER_SECOND": "1"],
            clock: clock,
            backend: backend,
            limits: { $0.webSocket.maxRateViolations = maxRateViolations }
        )
    }

    static func codes(_ frames: [[String: Any]]) -> [String] { frames.compactMap { $0["code"] as? String } }

    @Test(arguments: RegistryBackend.all) func moreViolationsInARowThanTheBoundCloseWith1008(backend: RegistryBackend) async throws {
        let registry = try await Self.registry(backend: backend, clock: ManualWallClock(Date()), maxRateViolations: 2)
        try await stopping(registry) {
            let (a, _) = try await SignalingRelayTests.pair(registry)
            for n in 1...3 { a.signal("ice-candidate", to: "peer_b", data: #"{"n":"\#(n)"}"#) }
            // Each refused message is answered first; the third passes the bound and closes the socket.
            let frames = try await a.waitForFrames(1 + 3)
            #expect(Self.codes(frames.suffix(3)) == ["rate_limited", "rate_limited", "rate_limited"])
            let close = try await a.closeFrame()
            #expect(close?.closeCode == .policyViolation)
            #expect(close?.reason == "Too many messages")
            let metrics = try await MetricsScrape.scrape(registry)
            #expect(metrics[#"websocket_limit_rejections_total{limit="maxRateViolations"}"#] == 1)
        }
    }

    @Test(arguments: RegistryBackend.all) func aRelayedMessageStartsTheCountAgain(backend: RegistryBackend) async throws {
        let clock = ManualWallClock(Date())
        let registry = try await Self.registry(backend: backend, clock: clock, maxRateViolations: 2)
        try await stopping(registry) {
            let (a, b) = try await SignalingRelayTests.pair(registry)
            var expected = 1
            func refuseTwo() async throws {
                for _ in 0..<2 { a.signal("ice-candidate", to: "peer_b") }
                expected += 2
                #expect(Self.codes(try await a.waitForFrames(expected).suffix(2)) == ["rate_limited", "rate_limited"])
            }
            func relay(_ n: Int) async throws {
                clock.advance(by: 1)  // one token
                a.signal("offer", to: "peer_b", data: #"{"n":"\#(n)"}"#)
                let atB = try await b.waitForFrames(1 + n)
                #expect((atB.last?["data"] as? [String: Any])?["n"] as? String == "\(n)")
            }
            try await refuseTwo()
            try await relay(1)
            // Two more refusals are again within the bound: the socket still relays.
            try await refuseTwo()
            try await relay(2)
            try await refuseTwo()
            a.signal("ice-candidate", to: "peer_b")
            #expect(try await a.closeFrame()?.reason == "Too many messages")
        }
    }
}
