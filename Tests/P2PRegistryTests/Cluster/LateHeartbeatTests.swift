import DocumentStore
import Foundation
import ServerEngine
import Testing

/// An instance taken for gone while it is alive (its heartbeats were late) still serves its devices in order: a sender
/// that queued for one of them meanwhile asks that instance to flush, so the queued message is not left waiting and a
/// later one, forwarded once the instance looks alive again, does not overtake it.
@Suite(.serialized) struct LateHeartbeatTests {
    @Test(arguments: RegistryBackend.all) func aMessageQueuedWhileTheRecipientsInstanceLookedGoneIsFlushedThereFirst(
        backend: RegistryBackend
    ) async throws {
        let clock = ManualWallClock(Date())
        let (first, second) = try await CrossInstanceTests.twoInstances(backend, manual: clock)
        try await stopping(first, second) {
            let (a, b) = try await CrossInstanceTests.spreadPair(first, second)
            // The first instance takes the second for gone: its heartbeat in the store is old, and the first instance's
            // last heartbeat did not see it.
            let secondId = second.engine.services.instanceId
            let instances = first.store.collection(ClusterBus.instancesCollection)
            let old = clock.now().addingTimeInterval(-3600)
            #expect(try await instances.updateOne(["_id": .string(secondId)], ["$set": ["heartbeatAt": .date(old)]], upsert: false).matchedCount == 1)
            first.engine.services.cluster.setLive([first.engine.services.instanceId], instanceTimeout: .seconds(10))

            a.signal("offer", to: "peer_b", data: #"{"n":"1"}"#)
            try await a.ready()
            // Queued on the first instance (the recipient's instance looked gone), not forwarded.
            #expect(first.metric("signaling_messages_queued_total") == 1)

            // The second instance's heartbeats land again as the clock moves; the flush request reaches it first.
            try await ReceiverMoveOrderTests.advance(clock, until: b, has: 1)
            a.signal("offer", to: "peer_b", data: #"{"n":"2"}"#)
            try await ReceiverMoveOrderTests.advance(clock, until: b, has: 2)
            #expect(ReceiverMoveOrderTests.numbers(b) == ["1", "2"])
        }
    }
}
