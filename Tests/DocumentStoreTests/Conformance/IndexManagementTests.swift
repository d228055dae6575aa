import DocumentStore
import Testing

/// createIndexes / listIndexes behaviour.
@Suite struct IndexManagementTests {
    static let specIndexes: [IndexSpec] = [
        IndexSpec("deviceId", unique: true),
        IndexSpec("networkId", "isOnline"),
        IndexSpec("userId", "networkId"),
        IndexSpec("lastSeen"),
        IndexSpec("expiresAt", expireAfterSeconds: 0),
    ]

    @Test(arguments: StoreBackend.all)
    func listIndexesIncludesIdIndexAndMongoStyleNames(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await collection.createIndexes(Self.specIndexes + [IndexSpec(keys: [IndexKey("lastSeen", .descending)])])
            let indexes = try await collection.listIndexes()
            #expect(
                indexes.map(\.name) == [
                    "_id_", "deviceId_1", "networkId_1_isOnline_1", "userId_1_networkId_1", "lastSeen_1", "expiresAt_1", "lastSeen_-1",
                ]
            )
            #expect(indexes.first?.keys == [IndexKey("_id")])
            let byName = Dictionary(uniqueKeysWithValues: indexes.map { ($0.name, $0) })
            #expect(byName["deviceId_1"]?.unique == true)
            #expect(byName["networkId_1_isOnline_1"]?.keys == [IndexKey("networkId"), IndexKey("isOnline")])
            #expect(byName["expiresAt_1"]?.expireAfterSeconds == 0)
            #expect(byName["lastSeen_1"]?.expireAfterSeconds == nil)
        }
    }

    @Test(arguments: StoreBackend.all)
    func createIndexesIsIdempotentForIdenticalSpecs(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await collection.createIndexes(Self.specIndexes)
            try await collection.createIndexes(Self.specIndexes)
            try await collection.createIndex(IndexSpec("deviceId", unique: true))
            try await collection.createIndex(IndexSpec(keys: [IndexKey("_id")], name: "_id_"))
            #expect(try await collection.listIndexes().count == Self.specIndexes.count + 1)
        }
    }

    @Test(arguments: StoreBackend.all)
    func sameNameWithDifferentOptionsIsAnIndexConflict(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await collection.createIndexes([IndexSpec("deviceId"), IndexSpec("expiresAt", expireAfterSeconds: 0)])
            let error = await expectStoreError(.indexConflict) { try await collection.createIndex(IndexSpec("deviceId", unique: true)) }
            #expect(error?.indexName == "deviceId_1")
            await expectStoreError(.indexConflict) { try await collection.createIndex(IndexSpec("expiresAt", expireAfterSeconds: 60)) }
            await expectStoreError(.indexConflict) { try await collection.createIndex(IndexSpec("other", name: "deviceId_1")) }
        }
    }

    @Test(arguments: StoreBackend.all)
    func sameKeysUnderAnotherNameIsAnIndexConflict(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await collection.createIndex(IndexSpec("channelId"))
            await expectStoreError(.indexConflict) { try await collection.createIndex(IndexSpec("channelId", name: "by_channel")) }
            #expect(try await collection.listIndexes().map(\.name) == ["_id_", "channelId_1"])
        }
    }

    @Test(arguments: StoreBackend.all)
    func indexesKeepWorkingAcrossInsertsUpdatesAndDeletes(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await collection.createIndexes(Self.specIndexes + [IndexSpec("participants")])
            try await TestData.insert(
                (1...20).map {
                    [
                        "_id": .int($0), "deviceId": .string("d\($0)"), "networkId": .string("n\($0 % 3)"), "isOnline": .bool($0 % 2 == 0),
                        "participants": ["p\($0)", "shared"],
                    ]
                },
                into: collection
            )
            _ = try await collection.updateOne(["deviceId": "d4"], ["$set": ["networkId": "n9", "deviceId": "d4b"]])
            _ = try await collection.deleteOne(["deviceId": "d6"])
            _ = try await collection.updateMany(["participants": "p8"], ["$pull": ["participants": "shared"]])
            #expect(try await TestData.matchingIds(["deviceId": "d4"], in: collection) == [])
            #expect(try await TestData.matchingIds(["deviceId": "d4b"], in: collection) == [4])
            #expect(try await TestData.matchingIds(["networkId": "n9"], in: collection) == [4])
            #expect(try await TestData.matchingIds(["networkId": "n0", "isOnline": true], in: collection) == [12, 18])
            #expect(try await TestData.matchingIds(["deviceId": "d6"], in: collection) == [])
            #expect(try await collection.count(["participants": "shared"]) == 18)
            #expect(try await TestData.matchingIds(["participants": ["$in": ["p3", "p8", "p6"]]], in: collection) == [3, 8])
        }
    }

    @Test(arguments: StoreBackend.all)
    func invalidIndexSpecificationsAreRejected(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            await expectStoreError(.invalidQuery) { try await collection.createIndex(IndexSpec(keys: [])) }
            await expectStoreError(.invalidQuery) { try await collection.createIndex(IndexSpec("a", expireAfterSeconds: -1)) }
            let indexes = try await collection.listIndexes()
            #expect(indexes.count == 1)
        }
    }
}
