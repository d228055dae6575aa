import DocumentStore
import Testing

/// Unique indexes are enforced on every write path, and a rejected write changes nothing.
@Suite struct UniqueIndexTests {
    static let byDevice = IndexSpec("deviceId", unique: true)

    @Test(arguments: StoreBackend.all)
    func insertWithDuplicateUniqueKeyFailsAndChangesNothing(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await collection.createIndexes([Self.byDevice])
            _ = try await collection.insertOne(["_id": 1, "deviceId": "peer_a"])
            let error = await expectStoreError(.duplicateKey) { try await collection.insertOne(["_id": 2, "deviceId": "peer_a"]) }
            #expect(error?.indexName == "deviceId_1")
            #expect(try await collection.find() == [["_id": 1, "deviceId": "peer_a"]])
            // The rejected document's _id stays free.
            _ = try await collection.insertOne(["_id": 2, "deviceId": "peer_b"])
            #expect(try await collection.count() == 2)
        }
    }

    @Test(arguments: StoreBackend.all)
    func insertWithDuplicateIdFails(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": "x", "v": 1])
            let error = await expectStoreError(.duplicateKey) { try await collection.insertOne(["_id": "x", "v": 2]) }
            #expect(error?.indexName == "_id_")
            // Numerically equal ids collide too.
            _ = try await collection.insertOne(["_id": 7])
            await expectStoreError(.duplicateKey) { try await collection.insertOne(["_id": 7.0]) }
            #expect(try await TestData.document("x", in: collection)["v"] == 1)
        }
    }

    @Test(arguments: StoreBackend.all)
    func updateIntoDuplicateUniqueKeyFailsAndChangesNothing(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await collection.createIndexes([Self.byDevice])
            try await TestData.insert([["_id": 1, "deviceId": "a", "n": 0], ["_id": 2, "deviceId": "b", "n": 0]], into: collection)
            await expectStoreError(.duplicateKey) { try await collection.updateOne(["_id": 2], ["$set": ["deviceId": "a", "n": 1]]) }
            #expect(try await TestData.document(2, in: collection) == ["_id": 2, "deviceId": "b", "n": 0])
            // The index still works for both keys.
            #expect(try await TestData.matchingIds(["deviceId": "b"], in: collection) == [2])
            #expect(try await TestData.matchingIds(["deviceId": "a"], in: collection) == [1])
        }
    }

    @Test(arguments: StoreBackend.all)
    func upsertIntoDuplicateUniqueKeyFailsAndChangesNothing(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await collection.createIndexes([Self.byDevice])
            _ = try await collection.insertOne(["_id": 1, "deviceId": "a"])
            await expectStoreError(.duplicateKey) {
                try await collection.updateOne(["name": "new"], ["$set": ["deviceId": "a"]], upsert: true)
            }
            await expectStoreError(.duplicateKey) {
                try await collection.findOneAndUpdate(["name": "new"], ["$setOnInsert": ["deviceId": "a"]], upsert: true, returnDocument: .after)
            }
            #expect(try await collection.find() == [["_id": 1, "deviceId": "a"]])
        }
    }

    @Test(arguments: StoreBackend.all)
    func updateManyStopsAtTheFirstDocumentThatWouldDuplicateAKey(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await collection.createIndexes([IndexSpec("slot", unique: true)])
            try await TestData.insert([["_id": 1, "slot": 1], ["_id": 2, "slot": 2], ["_id": 3, "slot": 3]], into: collection)
            await expectStoreError(.duplicateKey) { try await collection.updateMany([:], ["$set": ["slot": 9]]) }
            // As in MongoDB, one document took the key and the failing one is unchanged.
            #expect(try await collection.count(["slot": 9]) == 1)
            #expect(try await collection.count() == 3)
        }
    }

    @Test(arguments: StoreBackend.all)
    func uniqueIndexTreatsIntegerAndDoubleAsOneKey(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await collection.createIndexes([IndexSpec("n", unique: true)])
            _ = try await collection.insertOne(["n": 1])
            await expectStoreError(.duplicateKey) { try await collection.insertOne(["n": 1.0]) }
            _ = try await collection.insertOne(["n": 1.5])
            #expect(try await collection.count() == 2)
        }
    }

    @Test(arguments: StoreBackend.all)
    func uniqueIndexCountsAMissingFieldAsNull(backend: StoreBackend) async throws {
        try await backend.withCollection { collection, fixture in
            try await collection.createIndexes([Self.byDevice])
            _ = try await collection.insertOne(["other": 1])
            await expectStoreError(.duplicateKey) { try await collection.insertOne(["other": 2]) }
            // The index stores null for a missing field, so an explicit null is the same key.
            try await withKnownIssue(
                "mongoeco: a unique index keys a missing field apart from an explicit null, so { deviceId: null } is accepted",
                isIntermittent: false
            ) { () async throws in
                await expectStoreError(.duplicateKey) { try await collection.insertOne(["deviceId": nil]) }
                #expect(try await collection.count() == 1)
            } when: {
                fixture.isMongoeco
            }
        }
    }

    @Test(arguments: StoreBackend.all)
    func uniqueCompoundIndexRejectsOnlyTheFullKey(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await collection.createIndexes([IndexSpec("userId", "networkId", unique: true)])
            _ = try await collection.insertOne(["userId": "u1", "networkId": "n1"])
            _ = try await collection.insertOne(["userId": "u1", "networkId": "n2"])
            _ = try await collection.insertOne(["userId": "u2", "networkId": "n1"])
            let error = await expectStoreError(.duplicateKey) { try await collection.insertOne(["userId": "u1", "networkId": "n2"]) }
            #expect(error?.indexName == "userId_1_networkId_1")
            #expect(try await collection.count(["userId": "u1"]) == 2)
        }
    }

    @Test(arguments: StoreBackend.all)
    func uniqueMultikeyIndexRejectsASharedElement(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await collection.createIndexes([IndexSpec("aliases", unique: true)])
            _ = try await collection.insertOne(["_id": 1, "aliases": ["a", "b", "a"]])
            await expectStoreError(.duplicateKey) { try await collection.insertOne(["_id": 2, "aliases": ["c", "b"]]) }
            _ = try await collection.insertOne(["_id": 3, "aliases": ["c"]])
            #expect(try await TestData.matchingIds(["aliases": "c"], in: collection) == [3])
        }
    }

    @Test(arguments: StoreBackend.all)
    func creatingAUniqueIndexOverDuplicatesFails(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert([["_id": 1, "k": "x"], ["_id": 2, "k": "x"]], into: collection)
            await expectStoreError(.duplicateKey) { try await collection.createIndexes([IndexSpec("k", unique: true)]) }
            #expect(try await collection.listIndexes().map(\.name) == ["_id_"])
            _ = try await collection.insertOne(["_id": 3, "k": "x"])
        }
    }
}
