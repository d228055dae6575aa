import DocumentStore
import Foundation
import ServerConfig
import ServerEngine
import Testing

/// Presence across instances when one instance took the other for gone (its heartbeats were late, as under the
/// presence benchmark on a saturated store): the changes made meanwhile were sent only to the instances seen alive,
/// so the subscribers of the instance taken for gone get them from a read of their network once it rejoins.
@Suite(.serialized) struct PresenceRejoinTests {
    @Test(arguments: RegistryBackend.all) func aJoinMadeWhileTheSubscribersInstanceWasTakenForGoneReachesItsSubscriber(
        backend: RegistryBackend
    ) async throws {
        let clock = ManualWallClock(Date())
        let (first, second) = try await CrossInstanceTests.twoInstances(backend, manual: clock) { $0.presence.diffInterval = .milliseconds(50) }
        try await stopping(first, second) {
            let a = try await TestSocket.announced("peer_a", in: "net1", as: "alice", on: second)
            #expect(deviceIds(try await a.subscribePresence()["peers"]) == ["peer_a"])
            // A subscriber on the first instance too: its diffs show when the first instance's batches ran.
            let c = try await TestSocket.announced("peer_c", in: "net1", as: "carol", on: first)
            _ = try await c.subscribePresence()
            try await Self.advance(clock) { Self.joined("peer_c", on: a) }

            // The first instance takes the second for gone, as its take-over does: the registration is deleted, and
            // the first instance's live set no longer has it.
            let secondId = second.engine.services.instanceId
            #expect(try await first.store.collection(ClusterBus.instancesCollection).deleteOne(["_id": .string(secondId)]) == 1)
            first.engine.services.cluster.setLive([first.engine.services.instanceId], instanceTimeout: .seconds(10))

            let bob = try await first.token("bob")
            #expect(try await first.announce("net1", peerId: "peer_b", token: bob) == 200)
            try await Self.advance(clock) { Self.joined("peer_b", on: c) }
            // The second instance rejoins at its next heartbeat; its subscriber is told of the join it was not sent.
            try await Self.advance(clock) { Self.joined("peer_b", on: a) }
            #expect(a.frames(ofType: "presence_diff").allSatisfy { ($0["leaves"] as? [String] ?? []).isEmpty })
        }
    }

    /// Whether `socket` got a `presence_diff` joining `deviceId`.
    static func joined(_ deviceId: String, on socket: TestSocket) -> Bool {
        socket.frames(ofType: "presence_diff").contains { deviceIds($0["joins"]).contains(deviceId) }
    }

    /// Moves the shared clock 50 ms at a time (heartbeats, inbox polls and presence batches run) until `condition` holds.
    static func advance(_ clock: ManualWallClock, until condition: () -> Bool) async throws {
        var steps = 0
        while !condition(), steps < 400 {
            clock.advance(by: .milliseconds(50))
            try await Task.sleep(for: .milliseconds(10))
            steps += 1
        }
        #expect(condition(), "not within \(steps) steps of 50 ms")
    }
}
