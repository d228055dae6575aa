import DocumentStore
import Foundation
import HummingbirdWSClient
import NIOWebSocket
import NetworkTestSupport
import ServerConfig
import Testing

/// Resource bounds of the signaling socket (limits.yaml `websocket:`), in-process over real sockets. The
/// process-level versions, with RSS and other client addresses, are in Tests/e2e/test_bounds.py.
@Suite(.serialized) struct SignalingBoundsTests {
    /// A registry whose one sender may flood (no message or byte rates to speak of) a receiver with a 16 KiB send
    /// buffer and a queue of `queueCap` messages; `limits` sets the rest.
    static func floodableRegistry(queueCap: Int, _ limits: @escaping (inout LimitsConfig) -> Void) async throws -> LiveRegistry {
        try await LiveRegistry.start(
            environment: ["SIGNALING_QUEUE_CAP": "\(queueCap)", "SIGNALING_MESSAGES_PER_SECOND": "100000", "SIGNALING_MESSAGE_BURST": "100000"],
            limits: {
                $0.webSocket.sendBufferBytes = 16 * 1024
                $0.webSocket.messagesPerSecondPerUser = 100_000
                $0.webSocket.messagesPerSecondPerIP = 100_000
                $0.webSocket.bytesPerSecondPerUser = 1 << 30
                $0.webSocket.bytesPerSecondPerIP = 1 << 30
                limits(&$0)
            }
        )
    }

    /// A receiver that falls behind gets a sender's messages in the order they were sent: those diverted to the queue
    /// while its buffer was full come before the ones sent after them, which wait behind the backlog.
    @Test func aSlowReceiverGetsEverythingInOrder() async throws {
        let registry = try await Self.floodableRegistry(queueCap: 5000) { $0.webSocket.slowConsumerOverflow = 100_000 }
        try await stopping(registry) {
            let (alice, bob) = try await registry.announcedPair()
            let slow = try await IdleWebSocket.open(
                port: registry.webSocketPort,
                path: "/signaling/peer_b",
                headers: ["Authorization": "Bearer \(bob)"]
            )
            let a = TestSocket.connect(registry, deviceId: "peer_a", token: alice)
            try await a.ready()
            // It reads slowly while the sender sends: its buffer overflows, drains, overflows again, and the live path and
            // the queue take turns.
            let count = 800  // 6.4 MB at once, read at about 2.7 MB/s: more than the kernel's socket buffers (4 MB) take meanwhile
            // The read ends with the last message, or after 60 quiet seconds if one is lost: flushing a long backlog
            // is slow on a busy machine (each flush re-reads the whole queue).
            let reading = Task { try await slow.readUntilClose(timeout: 60, pause: 3000, stopAfter: count) }
            let pad = String(repeating: "p", count: 8 * 1024)
            for n in 0..<count { a.signal("ice-candidate", to: "peer_b", data: #"{"n":\#(n),"pad":"\#(pad)"}"#) }
            try await a.ready(timeout: .seconds(60))
            let outcome = try await reading.value
            #expect(registry.metric("signaling_messages_diverted_total") > 0, "the receiver must have fallen behind for this test to mean anything")
            let received = outcome.texts.compactMap { text in
                ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]).flatMap {
                    ($0["data"] as? [String: Any])?["n"] as? Int
                }
            }
            let firstOvertaken = zip(received, received.dropFirst()).first { $0 >= $1 }
            #expect(firstOvertaken == nil, "\(firstOvertaken.map { "\($0.1) arrived after \($0.0)" } ?? "")")
            #expect(received.count == count)
        }
    }

    @Test func aReceiverThatStopsReadingNeitherStallsTheSenderNorLosesMessages() async throws {
        let registry = try await Self.floodableRegistry(queueCap: 10) {
            $0.webSocket.slowConsumerOverflow = 20
            $0.webSocket.slowConsumerCloseTimeout = .seconds(60)
        }
        try await stopping(registry) {
            let alice = try await registry.token("alice")
            let bob = try await registry.token("bob")
            let carol = try await registry.token("carol")
            try await registry.announce("net1", peerId: "peer_a", token: alice)
            try await registry.announce("net1", peerId: "peer_b", token: bob)
            try await registry.announce("net1", peerId: "peer_c", token: carol)
            let idle = try await IdleWebSocket.open(
                port: registry.webSocketPort,
                path: "/signaling/peer_b",
                headers: ["Authorization": "Bearer \(bob)"]
            )
            let a = TestSocket.connect(registry, deviceId: "peer_a", token: alice)
            let c = TestSocket.connect(registry, deviceId: "peer_c", token: carol)
            try await a.ready()
            try await c.ready()
            // 12 MB: more than the kernel's socket buffers (loopback autotuning grows the send buffer to 4 MB) take.
            let count = 1500
            let pad = String(repeating: "p", count: 8 * 1024)
            for n in 0..<count {
                a.signal("ice-candidate", to: "peer_b", data: #"{"n":\#(n),"pad":"\#(pad)"}"#)
                if n % 50 == 0 { a.signal("offer", to: "peer_c", data: #"{"n":\#(n)}"#) }
            }
            // The sender's frames were all handled (its readiness probe comes back after them), and the third device
            // got every message meant for it, live.
            try await a.ready(timeout: .seconds(60))
            #expect(a.frames.count == 2)
            let atC = try await c.waitForFrames(1 + count / 50, timeout: .seconds(30))
            #expect(atC.dropFirst().compactMap { ($0["data"] as? [String: Any])?["n"] as? Int } == Array(stride(from: 0, to: count, by: 50)))
            try await SignalingRelayTests.waitUntil { registry.metric("signaling_slow_consumer_closes_total") == 1 }
            #expect(registry.metric("signaling_messages_diverted_total") > 20)

            // The receiver reads what was written before the 1013, then drains the queue.
            let outcome = try await idle.readUntilClose()
            #expect(outcome.closeCode == 1013)
            var received = outcome.texts.compactMap { text in
                ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]).flatMap {
                    ($0["data"] as? [String: Any])?["n"] as? Int
                }
            }
            // Messages accepted for the socket but not written go back to the queue as it closes: drain until every
            // message is accounted for (or the test's patience runs out).
            let deadline = ContinuousClock.now + TestSocket.patience
            repeat {
                let drained = try await registry.http("GET", "/signaling/messages/peer_b", token: bob)
                received += ((drained.json["messages"] as? [[String: Any]]) ?? []).compactMap { ($0["data"] as? [String: Any])?["n"] as? Int }
                if received.count + Int(registry.metric("signaling_messages_dropped_total")) >= count { break }
                try await Task.sleep(for: .milliseconds(50))
            } while ContinuousClock.now < deadline
            let dropped = Int(registry.metric("signaling_messages_dropped_total"))
            #expect(Set(received).count == received.count, "a message was delivered twice")
            #expect(Set(received).isSubset(of: Set(0..<count)))
            #expect(received.count + dropped == count, "received \(received.count), dropped \(dropped)")
        }
    }

    @Test func socketsOverThePerUserLimitGetAnErrorFrameAnd1008() async throws {
        let registry = try await LiveRegistry.start(limits: { $0.webSocket.maxConnectionsPerUser = 1 })
        try await stopping(registry) {
            let (a, b) = try await SignalingRelayTests.pair(registry)
            let alice = try await registry.token("alice")
            try await registry.announce("net1", peerId: "peer_a2", token: alice)
            let close = try await RawWebSocket.firstClose(
                port: registry.webSocketPort,
                path: "/signaling/peer_a2",
                headers: ["Authorization": "Bearer \(alice)"]
            )
            #expect(close == RawWebSocket.Close(code: 1008, reason: "Too many open connections for this user"))
            a.signal("offer", to: "peer_b", data: #"{"still":"works"}"#)
            #expect(try await b.waitForFrames(2).last.flatMap { ($0["data"] as? [String: Any])?["still"] as? String } == "works")
        }
    }

    @Test func theProcessCapClosesWith1013() async throws {
        let registry = try await LiveRegistry.start(limits: { $0.webSocket.maxConnections = 2 })
        try await stopping(registry) {
            let (a, b) = try await SignalingRelayTests.pair(registry)
            let carol = try await registry.token("carol")
            let close = try await RawWebSocket.firstClose(
                port: registry.webSocketPort,
                path: "/signaling/peer_c",
                headers: ["Authorization": "Bearer \(carol)"]
            )
            #expect(close == RawWebSocket.Close(code: 1013, reason: "Server at capacity; try again later"))
            // Counted once, though the connection was over the cap from accept and told so after its upgrade.
            let metrics = try await MetricsScrape.scrape(registry)
            #expect(metrics[#"websocket_limit_rejections_total{limit="maxConnections"}"#] == 1)
            let ready = try await registry.http("GET", "/readyz", token: nil)
            #expect(ready.status == 200)
            #expect(ready.json["status"] as? String == "degraded")
            a.signal("offer", to: "peer_b")
            #expect(try await b.waitForFrames(2).count == 2)
        }
    }
}
