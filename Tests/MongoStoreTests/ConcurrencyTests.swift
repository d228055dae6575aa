import DocumentStore
import MongoStore
import MongoTestSupport
import Testing

/// Many tasks on one store: the pool and thread pool serve them, single-document writes stay atomic.
@Suite struct ConcurrencyTests {
    @Test func concurrentUpsertsOfOneKeyCreateOneDocument() async throws {
        try await withMongoCollection(poolSize: 8) { collection, _ in
            try await collection.createIndexes([IndexSpec("deviceId", unique: true)])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        _ = try await collection.updateOne(
                            ["deviceId": "peer_shared"],
                            ["$set": ["lastWriter": .int(Int64(index))], "$setOnInsert": ["createdBy": .int(Int64(index))]],
                            upsert: true
                        )
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await collection.count() == 1)
            let document = try #require(try await collection.findOne(["deviceId": "peer_shared"]))
            #expect(document["createdBy"]?.intValue != nil)
        }
    }

    @Test func concurrentFindOneAndUpdateUpsertsOfOneKeyCreateOneDocument() async throws {
        try await withMongoCollection(poolSize: 8) { collection, _ in
            try await collection.createIndexes([IndexSpec("name", unique: true)])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        _ = try await collection.findOneAndUpdate(["name": "lease"], ["$inc": ["n": 1]], upsert: true, returnDocument: .after)
                    }
                }
                try await group.waitForAll()
            }
            let documents = try await collection.find()
            #expect(documents.count == 1)
            #expect(documents.first?["n"] == 50)
        }
    }

    @Test func concurrentIncrementsSumExactly() async throws {
        try await withMongoCollection(poolSize: 4) { collection, _ in
            _ = try await collection.insertOne(["_id": "counter", "n": 0])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        for _ in 0..<10 { _ = try await collection.updateOne(["_id": "counter"], ["$inc": ["n": 1]]) }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await collection.findOne(["_id": "counter"])?["n"] == 200)
        }
    }

    @Test func morePendingOperationsThanPooledClientsAllComplete() async throws {
        try await withMongoCollection(poolSize: 2) { collection, _ in
            let ids = try await withThrowingTaskGroup(of: Value.self) { group in
                for index in 0..<64 { group.addTask { try await collection.insertOne(["i": .int(Int64(index))]) } }
                return try await group.reduce(into: [Value]()) { $0.append($1) }
            }
            #expect(Set(ids).count == 64)
            #expect(try await collection.count() == 64)
        }
    }

    @Test func shutdownWhileOperationsRunLetsThemFinishOrFailUnavailable() async throws {
        let store = try await MongoTestServer.shared.makeStore(poolSize: 2)
        let collection = store.collection(MongoTestServer.uniqueName())
        let outcomes = await withTaskGroup(of: String.self) { group in
            for index in 0..<40 {
                group.addTask {
                    do {
                        _ = try await collection.insertOne(["i": .int(Int64(index))])
                        return "ok"
                    } catch let error as StoreError where error.code == .unavailable {
                        return "unavailable"
                    } catch {
                        return "unexpected: \(error)"
                    }
                }
            }
            group.addTask {
                try? await store.shutdown()
                return "shutdown"
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.allSatisfy { $0 == "ok" || $0 == "unavailable" || $0 == "shutdown" }, "\(outcomes)")
        let cleanup = try await MongoTestServer.shared.makeStore()
        try await cleanup.dropCollection(collection.name)
        try await cleanup.shutdown()
    }
}
