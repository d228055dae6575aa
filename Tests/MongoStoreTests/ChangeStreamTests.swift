import DocumentStore
import Foundation
import MongoStore
import MongoTestSupport
import Synchronization
import Testing

/// Change streams (the cluster bus's push transport). They need a replica set: with mongoeco or a standalone
/// server these tests are cancelled with a message; run them with MONGODB_URI pointing to a replica set.
@Suite struct ChangeStreamTests {
    static let needsReplicaSet = "change streams need a replica set: set MONGODB_URI to one (mongoeco and standalone servers have none)"

    @Test func mongoecoAndStandaloneServersReportNoChangeStreams() async throws {
        let endpoint = try await MongoTestServer.shared.endpoint()
        guard endpoint.isMongoeco else { try Test.cancel("MONGODB_URI is set: this checks the wire server only") }
        let store = try await MongoTestServer.shared.makeStore()
        #expect(await store.supportsChangeStreams() == false)
        try await store.shutdown()
    }

    @Test func matchingInsertsArriveAsTheyHappenAndOthersDoNot() async throws {
        try await withMongoCollection { collection, store in
            guard await store.supportsChangeStreams() else { try Test.cancel(Comment(rawValue: Self.needsReplicaSet)) }
            let received = Mutex<[Document]>([])
            let watcher = Task {
                for try await document in store.watchInserts(into: collection.name, matching: ["instance": "a"]) {
                    received.withLock { $0.append(document) }
                }
            }
            try await Task.sleep(for: .milliseconds(500))  // the stream is open before the inserts
            for n in 0..<5 {
                _ = try await collection.insertOne(["instance": "a", "n": .int(Int64(n))])
                _ = try await collection.insertOne(["instance": "b", "n": .int(Int64(n))])
            }
            // A last matching insert: a stream delivers in commit order, so a "b" let through would come before it.
            _ = try await collection.insertOne(["instance": "a", "n": .int(5)])
            let deadline = ContinuousClock.now + .seconds(10)
            while received.withLock({ $0.last?["n"] }) != .int(5), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            watcher.cancel()
            let documents = received.withLock { $0 }
            #expect(documents.map { $0["n"] } == (0...5).map { Value.int(Int64($0)) })
            #expect(documents.allSatisfy { $0["instance"] == "a" })
        }
    }

    @Test func shutdownEndsAnOpenStream() async throws {
        let store = try await MongoTestServer.shared.makeStore()
        guard await store.supportsChangeStreams() else {
            try await store.shutdown()
            try Test.cancel(Comment(rawValue: Self.needsReplicaSet))
        }
        let ended = Task { () -> ContinuousClock.Instant in
            do {
                for try await _ in store.watchInserts(into: MongoTestServer.uniqueName(), matching: [:]) {}
            } catch {}
            return .now
        }
        try await Task.sleep(for: .milliseconds(300))
        let start = ContinuousClock.now
        try await store.shutdown()
        // The stream ends (within its 500 ms await) and shutdown waited for it to hand its client back.
        let end = await ended.value
        #expect(start.duration(to: end) < .seconds(2))
        #expect(start.duration(to: .now) < .seconds(5))
    }
}
