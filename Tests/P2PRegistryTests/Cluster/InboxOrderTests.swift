import DocumentStore
import Foundation
import ServerEngine
import Testing

/// An instance hands over the items in its inbox in the order they were sent, not in `_id` order: two instances make
/// `_id`s that do not sort in the order they were made, and a sender that reconnected to another instance sends its
/// messages through both.
@Suite(.serialized) struct InboxOrderTests {
    @Test(arguments: RegistryBackend.all) func itemsAreHandedOverInTheOrderTheyWereSent(backend: RegistryBackend) async throws {
        let clock = ManualWallClock(Date())
        let (first, second) = try await CrossInstanceTests.twoInstances(backend, manual: clock)
        try await stopping(first, second) {
            let (_, b) = try await CrossInstanceTests.spreadPair(first, second)
            let inbox = first.store.collection(ClusterBus.inboxCollection)
            let secondId = second.engine.services.instanceId
            func item(_ n: String, id: String, sentBefore seconds: Double) -> Document {
                let sent = clock.now().addingTimeInterval(-seconds)
                let message: Document = [
                    "id": .string("m\(n)"), "type": "offer", "from": "peer_a", "to": "peer_b", "data": ["n": .string(n)], "timestamp": .date(sent),
                ]
                return [
                    "_id": .string(id), "instance": .string(secondId), "kind": "message", "key": "peer_b", "connectionId": "",
                    "from": "another-instance", "body": .document(message), "at": .date(sent),
                ]
            }
            // Message 1 went through the sender's old instance, message 2 through its new one; their ids sort the other
            // way round. The clock has not moved, so the second instance has not read its inbox since.
            _ = try await inbox.insertOne(item("1", id: "made-by-the-old-instance", sentBefore: 0.2))
            _ = try await inbox.insertOne(item("2", id: "another-instance-made-this", sentBefore: 0.1))
            try await ReceiverMoveOrderTests.advance(clock, until: b, has: 2)
            #expect(ReceiverMoveOrderTests.numbers(b) == ["1", "2"])
        }
    }
}
