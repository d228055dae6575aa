import DocumentStore
import Foundation
import ServerEngine
import Testing

/// The take-over of instances that are gone, on a clock the test moves by hand: what waits in their inboxes is queued
/// for its devices.
@Suite(.serialized) struct TakeOverTests {
    /// A message for `peer_b` from `peer_a`, as instances store it, with its `n` in `data`.
    static func message(_ n: String, at date: Date) -> Document {
        ["id": .string("m\(n)"), "type": "offer", "from": "peer_a", "to": "peer_b", "data": ["n": .string(n)], "timestamp": .date(date)]
    }

    /// Hands message `n` for `peer_b` to `instance`'s inbox, as a sender's instance does.
    static func handOver(_ n: String, to instance: String, on registry: LiveRegistry, at date: Date) async throws {
        let route = ClusterRoute(instance: instance, connectionId: "1")
        try await registry.engine.services.cluster.send("message", to: route, key: "peer_b", body: message(n, at: date))
    }

    /// Writes the registration of an instance the test plays, as its heartbeat does: last heard of at `heartbeatAt`.
    static func register(_ instance: String, heartbeatAt: Date, leaving: Bool = false, on registry: LiveRegistry) async throws {
        var fields: Document = ["heartbeatAt": .date(heartbeatAt), "expiresAt": .date(heartbeatAt.addingTimeInterval(86_400))]
        if leaving { fields["leaving"] = true }
        _ = try await registry.store.collection(ClusterBus.instancesCollection).updateOne(
            ["_id": .string(instance)],
            ["$set": .document(fields)],
            upsert: true
        )
    }

    /// Moves the clock a heartbeat (2 s) at a time until `peer_b`'s queue holds something, for at most `limit`.
    static func drained(_ registry: LiveRegistry, clock: ManualWallClock, within limit: Duration) async throws -> [String] {
        let bob = try await registry.token("bob")
        var drained: [String] = []
        var moved: Duration = .zero
        while drained.isEmpty, moved < limit {
            clock.advance(by: .seconds(2))
            moved += .seconds(2)
            // The take-over runs on the clock's move; give it the store round trips it needs.
            let deadline = ContinuousClock.now + .milliseconds(500)
            while drained.isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                drained = try await registry.drainIds("peer_b", token: bob)
            }
        }
        return drained
    }

    /// An instance that left (its registration removed) while a sender still saw it alive: what the sender handed it
    /// after is queued by the next take-over of an instance that saw it registered, within a heartbeat or two.
    @Test(arguments: RegistryBackend.all) func whatAnInstanceGetsAfterItLeftIsQueuedAtTheNextHeartbeat(backend: RegistryBackend) async throws {
        let clock = ManualWallClock(Date())
        let (first, second) = try await CrossInstanceTests.twoInstances(backend, manual: clock)
        try await stopping(first, second) {
            #expect(try await first.announce("net1", peerId: "peer_b", token: try await first.token("bob")) == 200)
            let instances = first.store.collection(ClusterBus.instancesCollection)
            let bus = first.engine.services.cluster
            // "left" heartbeats like a live instance until both others' take-overs have seen it: the first instance sees
            // it alive at a heartbeat, and a take-over runs at every heartbeat too.
            func beat() async throws { try await Self.register("left", heartbeatAt: clock.now(), on: first) }
            try await beat()
            var steps = 0
            while !bus.liveInstances.contains("left"), steps < 100 {
                clock.advance(by: .milliseconds(100))
                try await beat()
                try await Task.sleep(for: .milliseconds(10))
                steps += 1
            }
            #expect(bus.liveInstances.contains("left"))
            // Five heartbeats more, each read by a take-over as well.
            for _ in 0..<5 {
                clock.advance(by: .seconds(2))
                try await beat()
                try await Task.sleep(for: .milliseconds(300))
            }
            // It leaves; a sender that still saw it alive hands it a message.
            _ = try await instances.deleteOne(["_id": "left"])
            try await Self.handOver("0", to: "left", on: first, at: clock.now())
            // Queued within a few heartbeats (the first may still count it alive, from its last heartbeat): not at the
            // next look at every inbox, three instance timeouts (30 s) after the one at start.
            #expect(try await Self.drained(first, clock: clock, within: .seconds(8)) == ["0"])
        }
    }

    /// A take-over releases the routes of an instance that is gone instead of removing them: a device of it that
    /// reconnects right after still counts as moved, and gets what a sender handed that instance late before anything
    /// newer.
    @Test(arguments: RegistryBackend.all) func aDeviceOfAGoneInstanceThatReconnectsGetsWhatItsInboxHeldFirst(backend: RegistryBackend) async throws {
        let clock = ManualWallClock(Date())
        let (first, second) = try await CrossInstanceTests.twoInstances(backend, manual: clock)
        try await stopping(first, second) {
            let (alice, bob) = try await CrossInstanceTests.announcedPair(on: first)
            // peer_b was connected to an instance silent for a minute: the next take-over finds it gone.
            let dead = ClusterRoute(instance: "dead-instance", connectionId: "7")
            let routes = first.store.collection(ClusterBus.routesCollection)
            let instances = first.store.collection(ClusterBus.instancesCollection)
            try await CrossInstanceTests.route("peer_b", to: dead, in: first, at: clock.now())
            try await Self.register(dead.instance, heartbeatAt: clock.now().addingTimeInterval(-60), on: first)
            var steps = 0
            while try await instances.count(["_id": .string(dead.instance)]) > 0, steps < 50 {
                clock.advance(by: .seconds(2))
                try await Task.sleep(for: .milliseconds(50))
                steps += 1
            }
            #expect(try await instances.count(["_id": .string(dead.instance)]) == 0, "taken over")
            #expect(try await routes.findOne(["_id": "peer_b"])?["connectionId"]?.stringValue == "", "released, not removed")

            // A sender whose instance still saw it alive hands it one more message; then peer_b reconnects here, and
            // peer_a sends the next one.
            try await Self.handOver("0", to: dead.instance, on: first, at: clock.now().addingTimeInterval(-0.1))
            let a = TestSocket.connect(first, deviceId: "peer_a", token: alice)
            try await a.ready()
            let b = TestSocket.connect(first, deviceId: "peer_b", token: bob)
            try await CrossInstanceTests.waitForRoute("peer_b", on: first)
            a.signal("offer", to: "peer_b", data: #"{"n":"1"}"#)
            try await a.ready()
            try await ReceiverMoveOrderTests.advance(clock, until: b, has: 2)
            #expect(ReceiverMoveOrderTests.numbers(b) == ["0", "1"])
        }
    }

    /// An instance that is leaving but still beats hands over its inbox itself (in order with what its closing sockets
    /// never wrote): the others' take-over leaves it alone, and takes a silent one's in the same round.
    @Test(arguments: RegistryBackend.all) func aLeavingInstanceThatStillBeatsKeepsItsInbox(backend: RegistryBackend) async throws {
        let clock = ManualWallClock(Date())
        let (first, second) = try await CrossInstanceTests.twoInstances(backend, manual: clock)
        try await stopping(first, second) {
            #expect(try await first.announce("net1", peerId: "peer_b", token: try await first.token("bob")) == 200)
            try await Self.register("leaving-instance", heartbeatAt: clock.now(), leaving: true, on: first)
            // Sorted after it: once its item is queued, the round that could have taken the leaving one's is over.
            try await Self.register("zz-silent", heartbeatAt: clock.now().addingTimeInterval(-60), on: first)
            try await Self.handOver("L", to: "leaving-instance", on: first, at: clock.now())
            try await Self.handOver("S", to: "zz-silent", on: first, at: clock.now())
            #expect(try await Self.drained(first, clock: clock, within: .seconds(6)) == ["S"])
            #expect(try await first.store.collection(ClusterBus.inboxCollection).count(["instance": "leaving-instance"]) == 1)
        }
    }

    /// An inbox whose instance is not registered at all (it went while no instance was watching) is queued by the look
    /// at every inbox, which runs at start and every three instance timeouts.
    @Test(arguments: RegistryBackend.all) func anUnregisteredInstancesInboxIsQueuedByTheFullLook(backend: RegistryBackend) async throws {
        let clock = ManualWallClock(Date())
        let (first, second) = try await CrossInstanceTests.twoInstances(backend, manual: clock)
        try await stopping(first, second) {
            #expect(try await first.announce("net1", peerId: "peer_b", token: try await first.token("bob")) == 200)
            try await Self.handOver("0", to: "gone-long-ago", on: first, at: clock.now())
            #expect(try await Self.drained(first, clock: clock, within: .seconds(40)) == ["0"])
            #expect(try await first.store.collection(ClusterBus.inboxCollection).count(["instance": "gone-long-ago"]) == 0)
        }
    }
}
