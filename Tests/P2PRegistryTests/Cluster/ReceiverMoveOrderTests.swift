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
            var deadline = ContinuousClock.now + TestSocket.patience
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
            let here = first.engine.services.instanceId
            deadline = ContinuousClock.now + TestSocket.patience
            while ContinuousClock.now < deadline, try await routes.findOne(["_id": "peer_b"])?["instance"]?.stringValue != here {
                try await Task.sleep(for: .milliseconds(10))
            }
            a.signal("offer", to: "peer_b", data: #"{"n":"2"}"#)
            try await Self.advance(clock, until: moved, has: 2)
            #expect(Self.numbers(moved) == ["1", "2"])
            #expect(try await inbox.count(["key": "peer_b", "kind": "message"]) == 0)
        }
    }
}
