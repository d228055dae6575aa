import DocumentStore
import Foundation
import HummingbirdWSClient
import NIOWebSocket
import Testing

/// The signaling WebSocket over real sockets.
@Suite(.serialized) struct SignalingRelayTests {
    /// Two announced devices of one network, connected and ready.
    static func pair(_ registry: LiveRegistry, network: String = "net1") async throws -> (TestSocket, TestSocket) {
        let alice = try await registry.token("alice")
        let bob = try await registry.token("bob")
        #expect(try await registry.announce(network, peerId: "peer_a", token: alice) == 200)
        #expect(try await registry.announce(network, peerId: "peer_b", token: bob) == 200)
        let a = TestSocket.connect(registry, deviceId: "peer_a", token: alice)
        let b = TestSocket.connect(registry, deviceId: "peer_b", token: bob, viaQuery: true)
        try await a.ready()
        try await b.ready()
        return (a, b)
    }

    @Test(arguments: RegistryBackend.all) func offerAnswerAndICEAreRelayedLiveBothWays(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let (a, b) = try await Self.pair(registry)
            let before = Date()
            a.signal("offer", to: "peer_b", data: #"{"sdp":"v=0 offer"}"#)
            let atB = try await b.waitForFrames(2)
            let after = Date()
            let offer = try #require(atB.last)
            #expect(offer["type"] as? String == "offer")
            #expect(offer["fromPeerId"] as? String == "peer_a")
            #expect(offer["toPeerId"] as? String == "peer_b")
            #expect((offer["data"] as? [String: Any])?["sdp"] as? String == "v=0 offer")
            let timestamp = try #require(offer["timestamp"] as? Int)
            // Stamped (in whole milliseconds) between sending and receiving, however long that took.
            let sent = (before.timeIntervalSince1970 * 1000).rounded(.down)
            let received = (after.timeIntervalSince1970 * 1000).rounded(.up)
            #expect((sent...received).contains(Double(timestamp)), "\(timestamp) not in \(sent)...\(received)")
            b.signal("answer", to: "peer_a", data: #"{"sdp":"v=0 answer"}"#)
            b.signal(
                "ice-candidate",
                to: "peer_a",
                data: #"{"candidate":"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host","sdpMid":"0","sdpMLineIndex":0}"#
            )
            a.signal("ice-candidate", to: "peer_b", data: #"{"candidate":"candidate:2","sdpMid":"0","sdpMLineIndex":0}"#)
            let atA = try await a.waitForFrames(3)
            #expect(atA.dropFirst().map { $0["type"] as? String } == ["answer", "ice-candidate"])
            #expect((atA.last?["data"] as? [String: Any])?["sdpMLineIndex"] as? Int == 0)
            #expect(try await b.waitForFrames(3).last?["type"] as? String == "ice-candidate")
            // Delivered live: nothing was queued.
            #expect(try await registry.store.collection("signaling_channels").count([:]) == 0)
        }
    }

    @Test(arguments: RegistryBackend.all) func senderIsTheSocketsDeviceWhateverTheFrameClaims(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let (a, b) = try await Self.pair(registry)
            a.send(#"{"type":"offer","toPeerId":"peer_b","fromPeerId":"peer_c","from":"peer_c","data":{"x":1}}"#)
            #expect(try await b.waitForFrames(2).last?["fromPeerId"] as? String == "peer_a")
        }
    }

    @Test(arguments: RegistryBackend.all) func offlineRecipientGetsTheMessageFromTheDrainExactlyOnce(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let (alice, bob) = try await registry.announcedPair()
            let a = TestSocket.connect(registry, deviceId: "peer_a", token: alice)
            try await a.ready()
            a.signal("offer", to: "peer_b", data: #"{"n":"1"}"#)
            a.signal("ice-candidate", to: "peer_b", data: #"{"n":"2"}"#)
            try await Self.waitUntil { try await registry.store.collection("signaling_channels").count(["messages.1": ["$exists": true]]) == 1 }
            let drained = try await registry.http("GET", "/signaling/messages/peer_b", token: bob)
            let messages = try #require(drained.json["messages"] as? [[String: Any]])
            #expect(messages.map { $0["type"] as? String } == ["offer", "ice-candidate"])
            #expect(messages.first?["from"] as? String == "peer_a")
            #expect(messages.first?["to"] as? String == "peer_b")
            #expect(messages.first?["timestamp"] is String)
            #expect(try await registry.drainIds("peer_b", token: bob).isEmpty)
        }
    }

    @Test(arguments: RegistryBackend.all) func queuedMessagesAreDeliveredOnConnectOnce(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let (alice, bob) = try await registry.announcedPair()
            let a = TestSocket.connect(registry, deviceId: "peer_a", token: alice)
            try await a.ready()
            for n in 1...3 { a.signal("ice-candidate", to: "peer_b", data: #"{"n":"\#(n)"}"#) }
            try await Self.waitUntil {
                (try await registry.store.collection("signaling_channels").findOne(["channelId": "peer_a_peer_b"])?["messages"]?.arrayValue?.count
                    ?? 0)
                    == 3
            }
            let b = TestSocket.connect(registry, deviceId: "peer_b", token: bob)
            let frames = try await b.waitForFrames(3)
            #expect(frames.compactMap { ($0["data"] as? [String: Any])?["n"] as? String } == ["1", "2", "3"])
            #expect(frames.allSatisfy { $0["fromPeerId"] as? String == "peer_a" && $0["timestamp"] is Int })
            #expect(try await registry.drainIds("peer_b", token: bob).isEmpty)
        }
    }

    @Test(arguments: RegistryBackend.all) func reconnectReplacesTheOldSocketWith4000(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let (a, first) = try await Self.pair(registry)
            let bob = try await registry.token("bob")
            let second = TestSocket.connect(registry, deviceId: "peer_b", token: bob)
            let close = try await first.closeFrame()
            #expect(close?.closeCode == WebSocketErrorCode(codeNumber: 4000))
            #expect(close?.reason == "replaced")
            try await second.ready()
            a.signal("offer", to: "peer_b")
            #expect(try await second.waitForFrames(2).last?["type"] as? String == "offer")
        }
    }

    @Test(arguments: RegistryBackend.all) func crossNetworkSignalIsRefusedAndNothingIsStored(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let alice = try await registry.token("alice")
            let carol = try await registry.token("carol")
            try await registry.announce("net1", peerId: "peer_a", token: alice)
            try await registry.announce("net2", peerId: "peer_c", token: carol)
            let a = TestSocket.connect(registry, deviceId: "peer_a", token: alice)
            let c = TestSocket.connect(registry, deviceId: "peer_c", token: carol)
            try await a.ready()
            try await c.ready()
            a.signal("offer", to: "peer_c")
            a.signal("offer", to: "peer_nobody")
            let frames = try await a.waitForFrames(3)
            #expect(frames.suffix(2).map { $0["code"] as? String } == ["not_in_network", "not_in_network"])
            // A second readiness probe: the server answers it behind anything relayed to c before (a's messages were
            // handled: a got its refusals), so c's frames are then only its own two probes' answers.
            try await c.ready()
            #expect(c.frames.count == 2)
            #expect(try await registry.store.collection("signaling_channels").count([:]) == 0)
        }
    }

    /// The relay remembers each connected device's network; a re-announce into another network is seen by the next
    /// message, whichever of the two devices moved.
    @Test(arguments: RegistryBackend.all) func aReannounceIntoAnotherNetworkIsSeenByTheNextMessage(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let (a, b) = try await Self.pair(registry)
            let alice = try await registry.token("alice")
            let bob = try await registry.token("bob")
            a.signal("offer", to: "peer_b", data: #"{"n":"1"}"#)  // both networks now remembered
            #expect(try await b.waitForFrames(2).last?["type"] as? String == "offer")
            // The recipient moves: the sender's next message is refused, and nothing reaches it or the queue.
            #expect(try await registry.announce("net2", peerId: "peer_b", token: bob) == 200)
            a.signal("offer", to: "peer_b", data: #"{"n":"2"}"#)
            #expect(try await a.waitForFrames(2).last?["code"] as? String == "not_in_network")
            // The sender follows it: relayed live again.
            #expect(try await registry.announce("net2", peerId: "peer_a", token: alice) == 200)
            a.signal("offer", to: "peer_b", data: #"{"n":"3"}"#)
            let atB = try await b.waitForFrames(3)
            #expect(atB.compactMap { ($0["data"] as? [String: Any])?["n"] as? String } == ["1", "3"])
            // The sender moves away: refused again.
            #expect(try await registry.announce("net3", peerId: "peer_a", token: alice) == 200)
            a.signal("offer", to: "peer_b", data: #"{"n":"4"}"#)
            #expect(try await a.waitForFrames(3).last?["code"] as? String == "not_in_network")
            // Neither refused message reached b or the queue (nor did the others: b's socket read its first frame only
            // after its connect-time flush, so every message since went live).
            try await b.ready()
            #expect(b.frames.compactMap { ($0["data"] as? [String: Any])?["n"] as? String } == ["1", "3"])
            #expect(try await registry.store.collection("signaling_channels").count([:]) == 0)
        }
    }

    /// A sender's first message needs a store read (its network is not remembered yet) and is relayed from a task;
    /// the ones right behind it are relayed from the event loop. None may overtake it, whichever event loops the two
    /// sockets are on.
    @Test(arguments: RegistryBackend.all) func aSendersMessagesArriveInOrderWhenTheFirstNeedsTheStore(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let bob = try await registry.token("bob")
            try await registry.announce("net1", peerId: "peer_b", token: bob)
            let b = TestSocket.connect(registry, deviceId: "peer_b", token: bob)
            try await b.ready()
            let senders = 8
            let perSender = 5
            var sockets: [TestSocket] = []
            for n in 0..<senders {
                let token = try await registry.token("user\(n)")
                try await registry.announce("net1", peerId: "peer_s\(n)", token: token)
                let socket = TestSocket.connect(registry, deviceId: "peer_s\(n)", token: token)
                try await socket.ready()
                sockets.append(socket)
            }
            for (n, socket) in sockets.enumerated() {
                for k in 0..<perSender { socket.signal("ice-candidate", to: "peer_b", data: #"{"s":\#(n),"k":\#(k)}"#) }
            }
            let frames = try await b.waitForFrames(1 + senders * perSender).dropFirst()
            #expect(frames.count == senders * perSender)
            for n in 0..<senders {
                let order = frames.compactMap { frame -> Int? in
                    guard let data = frame["data"] as? [String: Any], data["s"] as? Int == n else { return nil }
                    return data["k"] as? Int
                }
                #expect(order == Array(0..<perSender), "sender \(n): \(order)")
            }
        }
    }

    /// Polls `condition` until true or ``TestSocket/patience`` passes.
    static func waitUntil(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + TestSocket.patience
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("condition not met within \(TestSocket.patience)")
    }
}
