import DocumentStore
import Testing

/// Per-document atomicity under concurrent writers.
@Suite struct ConcurrencyTests {
    @Test(arguments: StoreBackend.all)
    func concurrentUpsertsOfOneKeyCreateOneDocument(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
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
            #expect(try await collection.count(["deviceId": "peer_shared"]) == 1)
        }
    }

    @Test(arguments: StoreBackend.all)
    func concurrentIncrementsSumExactly(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": "counter", "n": 0])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        for _ in 0..<10 {
                            _ = try await collection.updateOne(["_id": "counter"], ["$inc": ["n": 1]])
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await TestData.document("counter", in: collection)["n"] == 1000)
        }
    }

    @Test(arguments: StoreBackend.all)
    func concurrentPushesKeepEveryElement(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        _ = try await collection.updateOne(
                            ["channelId": "a_b"],
                            ["$push": ["messages": ["id": .int(Int64(index))]], "$setOnInsert": ["participants": ["a", "b"]]],
                            upsert: true
                        )
                    }
                }
                try await group.waitForAll()
            }
            // Without a unique index MongoDB may race two upserts into two documents; count all of them.
            let channels = try await collection.find(["channelId": "a_b"])
            let ids = channels.flatMap { $0["messages"]?.arrayValue ?? [] }.compactMap { $0.documentValue?["id"]?.intValue }
            #expect(Set(ids) == Set(0..<100))
            #expect(ids.count == 100)
        }
    }

    @Test(arguments: StoreBackend.all)
    func concurrentInsertsOfOneUniqueKeyAdmitExactlyOne(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await collection.createIndexes([IndexSpec("deviceId", unique: true)])
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        do {
                            _ = try await collection.insertOne(["deviceId": "peer_once"])
                            return true
                        } catch let error as StoreError where error.code == .duplicateKey {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await collection.count() == 1)
        }
    }

    @Test(arguments: StoreBackend.all)
    func concurrentDrainsRemoveEachMessageOnce(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            let messages: [Value] = (0..<50).map { ["id": .string("m\($0)"), "to": "d1"] }
            _ = try await collection.insertOne(["_id": 1, "participants": ["d1", "d2"], "messages": .array(messages)])
            // Each drainer removes a disjoint set of ids while a writer keeps pushing new ones.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<5 {
                    group.addTask {
                        let ids: [Value] = (0..<10).map { .string("m\(worker * 10 + $0)") }
                        _ = try await collection.updateOne(["_id": 1], ["$pull": ["messages": ["id": ["$in": .array(ids)]]]])
                    }
                }
                group.addTask {
                    for index in 50..<60 {
                        _ = try await collection.updateOne(["_id": 1], ["$push": ["messages": ["id": .string("m\(index)"), "to": "d1"]]])
                    }
                }
                try await group.waitForAll()
            }
            let remaining = try await TestData.document(1, in: collection)["messages"]?.arrayValue ?? []
            #expect(remaining.compactMap { $0.documentValue?["id"]?.stringValue } == (50..<60).map { "m\($0)" })
        }
    }
}
