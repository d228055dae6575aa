import DocumentStore
import MongoStore
import Testing

/// createIndexes / listIndexes: idempotence, conflicts, unique and TTL indexes.
@Suite struct IndexTests {
    /// The registry's device and channel indexes (spec: deviceId unique, TTL on expiresAt).
    static let registryIndexes: [IndexSpec] = [
        IndexSpec("deviceId", unique: true),
        IndexSpec("networkId", "isOnline"),
        IndexSpec("userId", "networkId"),
        IndexSpec("lastSeen"),
        IndexSpec("expiresAt", expireAfterSeconds: 0),
    ]

    @Test func listIndexesShowsIdFirstUniqueAndTTLIndexes() async throws {
        try await withMongoCollection { collection in
            try await collection.createIndexes(Self.registryIndexes + [IndexSpec(keys: [IndexKey("lastSeen", .descending)])])
            let indexes = try await collection.listIndexes()
            #expect(
                indexes.map(\.name) == [
                    "_id_", "deviceId_1", "networkId_1_isOnline_1", "userId_1_networkId_1", "lastSeen_1", "expiresAt_1", "lastSeen_-1",
                ]
            )
            let byName = Dictionary(uniqueKeysWithValues: indexes.map { ($0.name, $0) })
            #expect(byName["_id_"]?.keys == [IndexKey("_id")])
            #expect(byName["deviceId_1"]?.unique == true)
            #expect(byName["networkId_1_isOnline_1"]?.keys == [IndexKey("networkId"), IndexKey("isOnline")])
            #expect(byName["networkId_1_isOnline_1"]?.unique == false)
            #expect(byName["expiresAt_1"]?.expireAfterSeconds == 0)
            #expect(byName["lastSeen_1"]?.expireAfterSeconds == nil)
            #expect(byName["lastSeen_-1"]?.keys == [IndexKey("lastSeen", .descending)])
        }
    }

    @Test func creatingTheSameIndexesAgainChangesNothing() async throws {
        try await withMongoCollection { collection in
            try await collection.createIndexes(Self.registryIndexes)
            let first = try await collection.listIndexes()
            try await collection.createIndexes(Self.registryIndexes)
            try await collection.createIndex(IndexSpec("deviceId", unique: true))
            try await collection.createIndex(IndexSpec(keys: [IndexKey("_id")], name: "_id_"))
            try await collection.createIndex(IndexSpec.primary)
            try await collection.createIndexes([])
            #expect(try await collection.listIndexes() == first)
            #expect(first.count == Self.registryIndexes.count + 1)
        }
    }

    @Test func sameNameWithOtherOptionsIsAConflictNamingTheIndexAndTheDifference() async throws {
        try await withMongoCollection { collection in
            try await collection.createIndexes([IndexSpec("deviceId"), IndexSpec("expiresAt", expireAfterSeconds: 0)])
            let unique = await expectStoreError(.indexConflict) { try await collection.createIndex(IndexSpec("deviceId", unique: true)) }
            #expect(unique?.indexName == "deviceId_1")
            #expect(unique?.message.contains("unique: false (requested true)") == true, "\(unique?.message ?? "")")
            let ttl = await expectStoreError(.indexConflict) { try await collection.createIndex(IndexSpec("expiresAt", expireAfterSeconds: 60)) }
            #expect(ttl?.indexName == "expiresAt_1")
            #expect(ttl?.message.contains("expireAfterSeconds: 0 (requested 60)") == true, "\(ttl?.message ?? "")")
            let keys = await expectStoreError(.indexConflict) { try await collection.createIndex(IndexSpec("other", name: "deviceId_1")) }
            #expect(keys?.message.contains("keys {deviceId: 1} (requested {other: 1})") == true, "\(keys?.message ?? "")")
            let names = try await collection.listIndexes().map(\.name)
            #expect(names == ["_id_", "deviceId_1", "expiresAt_1"])
        }
    }

    @Test func sameKeysUnderAnotherNameIsAConflict() async throws {
        try await withMongoCollection { collection in
            try await collection.createIndex(IndexSpec("channelId"))
            let error = await expectStoreError(.indexConflict) { try await collection.createIndex(IndexSpec("channelId", name: "by_channel")) }
            #expect(error?.indexName == "by_channel")
            #expect(error?.message.contains("'channelId_1'") == true, "\(error?.message ?? "")")
            let names = try await collection.listIndexes().map(\.name)
            #expect(names == ["_id_", "channelId_1"])
        }
    }

    @Test func uniqueIndexRejectsDuplicatesOnInsertAndUpsertNamingTheIndex() async throws {
        try await withMongoCollection { collection in
            try await collection.createIndexes(Self.registryIndexes)
            _ = try await collection.insertOne(["deviceId": "peer_a", "n": 1])
            _ = try await collection.insertOne(["deviceId": "peer_b", "n": 2])
            let insert = await expectStoreError(.duplicateKey) { try await collection.insertOne(["deviceId": "peer_a"]) }
            #expect(insert?.indexName == "deviceId_1")
            #expect(insert?.message.contains("deviceId_1") == true)
            #expect(insert?.message.contains("peer_a") == false, "the duplicated value stays out of the message")
            let upsert = await expectStoreError(.duplicateKey) {
                try await collection.updateOne(["n": 3], ["$set": ["deviceId": "peer_b"]], upsert: true)
            }
            #expect(upsert?.indexName == "deviceId_1")
            let update = await expectStoreError(.duplicateKey) {
                try await collection.updateOne(["deviceId": "peer_a"], ["$set": ["deviceId": "peer_b"]])
            }
            #expect(update?.indexName == "deviceId_1")
            let modify = await expectStoreError(.duplicateKey) {
                try await collection.findOneAndUpdate(["deviceId": "peer_a"], ["$set": ["deviceId": "peer_b"]], upsert: true)
            }
            #expect(modify?.indexName == "deviceId_1")
            #expect(try await collection.count() == 2)
        }
    }

    @Test func uniqueIndexOverExistingDuplicatesIsADuplicateKey() async throws {
        try await withMongoCollection { collection in
            _ = try await collection.insertOne(["k": 1])
            _ = try await collection.insertOne(["k": 1])
            let error = await expectStoreError(.duplicateKey) { try await collection.createIndex(IndexSpec("k", unique: true)) }
            #expect(error?.indexName == "k_1")
            let names = try await collection.listIndexes().map(\.name)
            #expect(names == ["_id_"])
        }
    }

    @Test func invalidIndexSpecificationsAreInvalidQueries() async throws {
        try await withMongoCollection { collection in
            await expectStoreError(.invalidQuery) { try await collection.createIndex(IndexSpec(keys: [])) }
            await expectStoreError(.invalidQuery) { try await collection.createIndex(IndexSpec("a", expireAfterSeconds: -1)) }
            await expectStoreError(.invalidQuery) { try await collection.createIndex(IndexSpec("a", "b", expireAfterSeconds: 60)) }
            let names = try await collection.listIndexes().map(\.name)
            #expect(names == ["_id_"])
        }
    }

    @Test func uniqueIndexTreatsMissingFieldsAsNull() async throws {
        try await withMongoCollection { collection in
            try await collection.createIndex(IndexSpec("deviceId", unique: true))
            _ = try await collection.insertOne(["other": 1])
            // MongoDB indexes a missing field as null: only one document may lack a unique field, and an
            // explicit null is the same key.
            await expectStoreError(.duplicateKey) { try await collection.insertOne(["other": 2]) }
            try await mongoecoLacks("keys a missing field apart from an explicit null in a unique index") {
                await expectStoreError(.duplicateKey) { try await collection.insertOne(["deviceId": nil]) }
            }
        }
    }
}
