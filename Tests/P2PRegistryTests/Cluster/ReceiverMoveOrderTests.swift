import DocumentStore
import Foundation
import ServerEngine
import Testing

/// A receiver that moves between instances keeps its senders' order, on a clock the test moves by hand: a message
/// a sender's instance still handed to the old instance (its route cache is younger than
/// ``ClusterBus/routeCacheLifetime``) is delivered before the next one, which reaches the new instance directly.
@Suite(.serialized) struct ReceiverMoveOrderTests {
    /// The `n` of each signaling frame from `peer_a`, in arrival order.
    static func numbers(_ socket: TestSocket) -> [String] {
        socket.frames.filter { $0["fromPeerId"] as? String == "peer_a" }.compactMap { ($0["data"] as? [String: Any])?["n"] as? String }
    }

    /// Moves the clock in inbox-poll steps until `socket` has `count` messages from `peer_a`.
    static func advance(_ clock: ManualWallClock, until socket: TestSocket, has count: Int) async throws {
        var steps = 0
        while numbers(socket).count < count, steps < 400 {
            clock.advance(by: .milliseconds(50))
            try await Task.sleep(for: .milliseconds(10))
            steps += 1
        }
        #expect(numbers(socket).count >= count, "frames: \(socket.frames)")
    }

    /// The receiver closes its socket (its route is released) and connects to the sender's instance at once, while the
    /// sender's instance still remembers the old route: the message sent in between goes to the old instance's inbox,
    /// the next one straight to the receiver. Both arrive, in the order sent.
    @Test(arguments: RegistryBackend.all) func aReceiverThatReconnectsElsewhereGetsItsMessagesInOrder(backend: RegistryBackend) async throws {
        let clock = ManualWallClock(Date())
        let (first, second) = try await CrossInstanceTests.twoInstances(backend, manual: clock)
        try await stopping(first, second) {
            let (a, b) = try await CrossInstanceTests.spreadPair(first, second)
            // Across instances once: the first instance now remembers that peer_b is on the second.
            a.signal("offer", to: "peer_b", data: #"{"n":"0"}"#)
            try await Self.advance(clock, until: b, has: 1)
            // The clock moved while that message travelled, on a busy machine past the cache's lifetime: read the route
            // as a send does, which caches it anew for the next ``ClusterBus/routeCacheLifetime`` (the clock stays put
            // until the messages below are sent).
            #expect(try await first.engine.services.cluster.remoteRoute("peer_b")?.instance == second.engine.services.instanceId)

            b.close()
            let routes = first.store.collection(ClusterBus.routesCollection)
            let deadline = ContinuousClock.now + TestSocket.patience
            while ContinuousClock.now < deadline, try await routes.findOne(["_id": "peer_b"])?["connectionId"]?.stringValue?.isEmpty == false {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(try await routes.findOne(["_id": "peer_b"])?["connectionId"]?.stringValue == "", "the route is released, not removed")

            // Handed to the second instance's inbox, like the warm-up message. (Usually it is still there when the
            // receiver moves, the clock having stopped; a reader the last move of the clock woke may take it first on
            // a loaded machine, and queue it: the order below must hold either way.)
            a.signal("offer", to: "peer_b", data: #"{"n":"1"}"#)
            try await a.ready()
            #expect(first.metric("signaling_messages_forwarded_total") == 2)
            let inbox = first.store.collection(ClusterBus.inboxCollection)

            let moved = TestSocket.connect(first, deviceId: "peer_b", token: try await first.token("bob"))
            // Connected once its route names the first instance (the message above may be its first frame already).
            try await CrossInstanceTests.waitForRoute("peer_b", on: first)
            a.signal("offer", to: "peer_b", data: #"{"n":"2"}"#)
            try await Self.advance(clock, until: moved, has: 2)
            #expect(Self.numbers(moved) == ["1", "2"])
            #expect(try await inbox.count(["key": "peer_b", "kind": "message"]) == 0)
        }
    }

    /// The receiver's instance died (SIGKILL) with messages for it in its inbox, and the sender's instance wrote one more
    /// there after the receiver reconnected here (a busy store lands writes late). A newer message that reaches the
    /// receiver here while the move settles is queued behind it, not sent ahead of it: the queue is flushed only once the
    /// old inbox is taken, in the senders' order.
    @Test(arguments: RegistryBackend.all) func aReceiverWhoseInstanceDiedGetsWhatItsInboxHeldFirst(backend: RegistryBackend) async throws {
        let clock = ManualWallClock(Date())
        let (first, second) = try await CrossInstanceTests.twoInstances(backend, manual: clock)
        try await stopping(first, second) {
            let (alice, bob) = try await CrossInstanceTests.announcedPair(on: first)
            // peer_b was connected to an instance that is gone now, whose inbox holds message 0 for it.
            let bus = first.engine.services.cluster
            let dead = ClusterRoute(instance: "killed-instance", connectionId: "7")
            try await CrossInstanceTests.route("peer_b", to: dead, in: first, at: clock.now())
            func message(_ n: String, sentBefore seconds: Double) -> Document {
                [
                    "id": .string("m\(n)"), "type": "offer", "from": "peer_a", "to": "peer_b", "data": ["n": .string(n)],
                    "timestamp": .date(clock.now().addingTimeInterval(-seconds)),
                ]
            }
            try await bus.send("message", to: dead, key: "peer_b", body: message("0", sentBefore: 1))

            let a = TestSocket.connect(first, deviceId: "peer_a", token: alice)
            try await a.ready()
            let b = TestSocket.connect(first, deviceId: "peer_b", token: bob)
            // The move's first take of the old inbox has run once message 0 is gone from it.
            let inbox = first.store.collection(ClusterBus.inboxCollection)
            let deadline = ContinuousClock.now + TestSocket.patience
            while ContinuousClock.now < deadline, try await inbox.count(["key": "peer_b"]) > 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            // Message 1 lands in the old inbox late; message 2, sent after it, reaches peer_b here at once. The clock has
            // not moved, so the move's next take has not run yet.
            try await bus.send("message", to: dead, key: "peer_b", body: message("1", sentBefore: 0.5))
            a.signal("offer", to: "peer_b", data: #"{"n":"2"}"#)
            try await a.ready()
            try await Self.advance(clock, until: b, has: 3)
            #expect(Self.numbers(b) == ["0", "1", "2"])
            #expect(try await inbox.count(["key": "peer_b", "kind": "message"]) == 0)
        }
    }

    /// The receiver's instance is shutting down gracefully (marked leaving) and hands over late what it still held for
    /// the receiver, who reconnected here meanwhile: the receiver's newer messages wait here until that instance is gone,
    /// and arrive behind what it handed over.
    @Test(arguments: RegistryBackend.all) func aReceiverWhoseInstanceIsLeavingGetsWhatItHandsOverFirst(backend: RegistryBackend) async throws {
        let clock = ManualWallClock(Date())
        let (first, second) = try await CrossInstanceTests.twoInstances(backend, manual: clock)
        try await stopping(first, second) {
            let (a, b) = try await CrossInstanceTests.spreadPair(first, second)
            // Graceful shutdown of the second instance begins: it is marked leaving before its sockets close.
            try await second.engine.services.cluster.markLeaving()
            #expect(try await first.engine.services.cluster.isLeaving(second.engine.services.instanceId))

            let moved = TestSocket.connect(first, deviceId: "peer_b", token: try await first.token("bob"))
            try await CrossInstanceTests.waitForRoute("peer_b", on: first)
            a.signal("offer", to: "peer_b", data: #"{"n":"2"}"#)
            try await a.ready()
            // Well past the time a move settles when the old instance is gone or stays.
            for _ in 0..<40 {
                clock.advance(by: .milliseconds(50))
                try await Task.sleep(for: .milliseconds(10))
            }
            // What the leaving instance still held (a sender's write that landed late), older than message 2; then it
            // finishes its shutdown, handing over its inbox and removing its registration.
            let message: Document = [
                "id": "m1", "type": "offer", "from": "peer_a", "to": "peer_b", "data": ["n": "1"],
                "timestamp": .date(clock.now().addingTimeInterval(-3)),
            ]
            let secondRoute = ClusterRoute(instance: second.engine.services.instanceId, connectionId: "")
            try await first.engine.services.cluster.send("message", to: secondRoute, key: "peer_b", body: message)
            await second.stop()
            try await Self.advance(clock, until: moved, has: 2)
            #expect(Self.numbers(moved) == ["1", "2"])
            _ = b
        }
    }
}
