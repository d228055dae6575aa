import DocumentStore
import Foundation
import HummingbirdWSClient
import Logging
import NIOWebSocket
import ServerConfig
import ServerEngine
import Testing

/// Two registry instances on one store with cluster routing on: messages cross instances live, exactly once;
/// one socket per device across instances; a stopping instance hands its devices over to the queue.
@Suite(.serialized) struct CrossInstanceTests {
    /// Cluster routing on (also on the embedded store), and a per-socket rate that lets 200 messages through at once.
    static let environment = ["REGISTRY_CLUSTER": "true", "SIGNALING_MESSAGES_PER_SECOND": "10000", "SIGNALING_MESSAGE_BURST": "10000"]

    /// Two instances sharing one fresh store of `backend`, each having seen the other's heartbeat. With a `manual`
    /// clock (shared by the store and both instances) the heartbeats come as the test moves it, 100 ms at a time.
    /// `limits` changes both instances' limits.yaml further.
    static func twoInstances(
        _ backend: RegistryBackend,
        manual: ManualWallClock? = nil,
        limits change: @escaping (inout LimitsConfig) -> Void = { _ in },
        secondLimits: @escaping (inout LimitsConfig) -> Void = { _ in }
    ) async throws -> (LiveRegistry, LiveRegistry) {
        let store = try await backend.makeStore(clock: manual ?? SystemWallClock())
        let unthrottled: (inout LimitsConfig) -> Void = { limits in
            limits.webSocket.messagesPerSecondPerUser = 1_000_000
            limits.webSocket.messagesPerSecondPerIP = 1_000_000
            change(&limits)
        }
        let first = try await LiveRegistry.start(environment: environment, clock: manual, backend: backend, limits: unthrottled, store: store)
        let second: LiveRegistry
        do {
            second = try await LiveRegistry.start(
                environment: environment,
                clock: manual,
                backend: backend,
                limits: { limits in
                    unthrottled(&limits)
                    secondLimits(&limits)
                },
                store: store
            )
        } catch {
            await first.stop()
            throw error
        }
        // Each must have seen the other alive (first heartbeat at start, then every 2 s).
        let deadline = ContinuousClock.now + TestSocket.patience
        while ContinuousClock.now < deadline {
            let seen =
                first.engine.services.cluster.liveInstances.contains(second.engine.services.instanceId)
                && second.engine.services.cluster.liveInstances.contains(first.engine.services.instanceId)
            if seen { return (first, second) }
            if let manual {
                manual.advance(by: .milliseconds(100))
                try await Task.sleep(for: .milliseconds(10))
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        await first.stop()
        await second.stop()
        throw TestFailure("the instances did not see each other within \(TestSocket.patience)")
    }

    /// Announces `peer_a` (alice) and `peer_b` (bob) in net1 through `registry`; returns their tokens.
    static func announcedPair(on registry: LiveRegistry) async throws -> (alice: String, bob: String) {
        let alice = try await registry.token("alice")
        let bob = try await registry.token("bob")
        #expect(try await registry.announce("net1", peerId: "peer_a", token: alice) == 200)
        #expect(try await registry.announce("net1", peerId: "peer_b", token: bob) == 200)
        return (alice, bob)
    }

    /// Records in `registry`'s store that `deviceId` is connected as `route` (an instance the test plays).
    static func route(_ deviceId: String, to route: ClusterRoute, in registry: LiveRegistry, at date: Date) async throws {
        _ = try await registry.store.collection(ClusterBus.routesCollection).updateOne(
            ["_id": .string(deviceId)],
            ["$set": ["instance": .string(route.instance), "connectionId": .string(route.connectionId), "updatedAt": .date(date)]],
            upsert: true
        )
    }

    /// Waits until `deviceId`'s route names `registry`'s instance (its socket there is connected and its route claimed).
    static func waitForRoute(_ deviceId: String, on registry: LiveRegistry) async throws {
        let routes = registry.store.collection(ClusterBus.routesCollection)
        let here = registry.engine.services.instanceId
        let deadline = ContinuousClock.now + TestSocket.patience
        while ContinuousClock.now < deadline, try await routes.findOne(["_id": .string(deviceId)])?["instance"]?.stringValue != here {
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Device `peer_a` (alice) on `first`, `peer_b` (bob) on `second`, both announced in net1 and ready.
    static func spreadPair(_ first: LiveRegistry, _ second: LiveRegistry) async throws -> (TestSocket, TestSocket) {
        let alice = try await first.token("alice")
        let bob = try await second.token("bob")
        #expect(try await first.announce("net1", peerId: "peer_a", token: alice) == 200)
        #expect(try await second.announce("net1", peerId: "peer_b", token: bob) == 200)
        let a = TestSocket.connect(first, deviceId: "peer_a", token: alice)
        let b = TestSocket.connect(second, deviceId: "peer_b", token: bob)
        try await a.ready()
        try await b.ready()
        return (a, b)
    }

    @Test(arguments: RegistryBackend.all) func messagesCrossInstancesLiveExactlyOnce(backend: RegistryBackend) async throws {
        let (first, second) = try await Self.twoInstances(backend)
        try await stopping(first, second) {
            let (a, b) = try await Self.spreadPair(first, second)
            let count = 200
            for n in 0..<count {
                a.signal("offer", to: "peer_b", data: #"{"n":"a\#(n)"}"#)
                b.signal("answer", to: "peer_a", data: #"{"n":"b\#(n)"}"#)
            }
            let atB = try await b.waitForFrames(count + 1, timeout: .seconds(60)).dropFirst()
            let atA = try await a.waitForFrames(count + 1, timeout: .seconds(60)).dropFirst()
            let fromA = atB.compactMap { ($0["data"] as? [String: Any])?["n"] as? String }
            let fromB = atA.compactMap { ($0["data"] as? [String: Any])?["n"] as? String }
            #expect(fromA.count == count)
            #expect(Set(fromA) == Set((0..<count).map { "a\($0)" }))
            #expect(Set(fromB) == Set((0..<count).map { "b\($0)" }))
            #expect(atB.allSatisfy { $0["fromPeerId"] as? String == "peer_a" })
            // No duplicates: a last message goes the same way (a's instance forwards it to b's inbox, whose reader takes
            // items in order), so once it is in, every earlier inbox item has been handled; with nothing in the inbox
            // and nothing queued, no copy is left to come.
            a.signal("offer", to: "peer_b", data: #"{"n":"last"}"#)
            let all = try await b.waitForFrames(count + 2)
            #expect(all.count == count + 2, "no duplicates")
            #expect((all.last?["data"] as? [String: Any])?["n"] as? String == "last")
            #expect(try await first.store.collection(ClusterBus.inboxCollection).count([:]) == 0)
            // Live on the other instance: nothing was queued, and each instance forwarded its sender's messages.
            #expect(try await first.store.collection("signaling_channels").count([:]) == 0)
            let forwarded = first.engine.services.metrics.exposition().split(separator: "\n").first {
                $0.hasPrefix("signaling_messages_forwarded_total ")
            }
            #expect(forwarded == "signaling_messages_forwarded_total \(count + 1)")
        }
    }

    /// A device connected to the first instance re-announces into another network through the second: the first
    /// instance's remembered network follows (through the cluster bus), so its relay refuses the next messages.
    @Test(arguments: RegistryBackend.all) func aReannounceOnAnotherInstanceUpdatesTheRememberedNetwork(backend: RegistryBackend) async throws {
        let (first, second) = try await Self.twoInstances(backend)
        try await stopping(first, second) {
            let alice = try await first.token("alice")
            let carol = try await first.token("carol")
            #expect(try await first.announce("net1", peerId: "peer_a", token: alice) == 200)
            #expect(try await first.announce("net1", peerId: "peer_c", token: carol) == 200)
            let a = TestSocket.connect(first, deviceId: "peer_a", token: alice)
            let c = TestSocket.connect(first, deviceId: "peer_c", token: carol)
            try await a.ready()
            try await c.ready()
            a.signal("offer", to: "peer_c", data: #"{"n":"0"}"#)  // relayed live on the first instance: networks remembered
            #expect(try await c.waitForFrames(2).last?["type"] as? String == "offer")
            #expect(try await second.announce("net2", peerId: "peer_c", token: try await second.token("carol")) == 200)
            // The update travels through the second instance's inbox item; each message is refused or delivered, never lost.
            let deadline = ContinuousClock.now + TestSocket.patience
            var sent = 0
            var refused = false
            while !refused, ContinuousClock.now < deadline {
                sent += 1
                let (answered, delivered) = (a.frames.count, c.frames.count)
                a.signal("offer", to: "peer_c", data: #"{"n":"\#(sent)"}"#)
                while a.frames.count == answered, c.frames.count == delivered, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                refused = a.frames.count > answered && a.frames.last?["code"] as? String == "not_in_network"
                if !refused { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(refused, "the first instance kept relaying to a device that moved to net2: \(a.frames)")
        }
    }

    @Test(arguments: RegistryBackend.all) func aConnectionOnAnotherInstanceReplacesTheOldOne(backend: RegistryBackend) async throws {
        let (first, second) = try await Self.twoInstances(backend)
        try await stopping(first, second) {
            let alice = try await first.token("alice")
            #expect(try await first.announce("net1", peerId: "peer_a", token: alice) == 200)
            let old = TestSocket.connect(first, deviceId: "peer_a", token: alice)
            try await old.ready()
            let new = TestSocket.connect(second, deviceId: "peer_a", token: alice)
            try await new.ready()
            let close = try await old.closeFrame()
            #expect(close?.closeCode == .init(codeNumber: 4000))
            #expect(close?.reason == "replaced")
            // The route now points at the second instance.
            let route = try await first.store.collection(ClusterBus.routesCollection).findOne(["_id": "peer_a"])
            #expect(route?["instance"]?.stringValue == second.engine.services.instanceId)
        }
    }

    @Test(arguments: RegistryBackend.all) func aStoppingInstanceHandsItsDevicesToTheQueue(backend: RegistryBackend) async throws {
        let (first, second) = try await Self.twoInstances(backend)
        // Stopped twice when all goes well (in the test, then here, which does nothing); once when the test fails first.
        try await stopping(first, second) {
            let (a, b) = try await Self.spreadPair(first, second)
            await second.stop()
            #expect(try await b.closeFrame()?.closeCode == .goingAway)
            // Its registration is gone at once, so the next message is not left in a dead inbox: it is queued, at once or by
            // the take-over. (Its routes stay until that take-over: a device reconnecting elsewhere takes over its inbox.)
            #expect(try await first.store.collection(ClusterBus.instancesCollection).count(["_id": .string(second.engine.services.instanceId)]) == 0)
            a.signal("offer", to: "peer_b", data: #"{"n":"queued"}"#)
            let bob = try await first.token("bob")
            var drained: [String] = []
            let deadline = ContinuousClock.now + TestSocket.patience
            while drained.isEmpty, ContinuousClock.now < deadline {
                drained = try await first.drainIds("peer_b", token: bob)
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(drained == ["queued"])
        }
    }
}
