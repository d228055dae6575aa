import DocumentStore
import Testing

/// distinct, count, deleteOne and deleteMany.
@Suite struct ReadAndDeleteTests {
    static let devices: [Document] = [
        ["_id": 1, "networkId": "n2", "isOnline": true, "capabilities": ["relay", "store"], "level": 1],
        ["_id": 2, "networkId": "n1", "isOnline": true, "capabilities": ["store"], "level": 1.0],
        ["_id": 3, "networkId": "n1", "isOnline": false, "capabilities": [["nested"]], "level": "high"],
        ["_id": 4, "networkId": "n3", "isOnline": false],
        ["_id": 5, "networkId": nil, "isOnline": true, "capabilities": "coordinator"],
    ]

    @Test(arguments: StoreBackend.all)
    func distinctFlattensArraysAndDeduplicates(backend: StoreBackend) async throws {
        try await backend.withCollection { collection, fixture in
            try await TestData.insert(Self.devices, into: collection)
            // An explicit null is a value; a document without the field contributes nothing.
            #expect(try await collection.distinct("networkId") == [nil, "n1", "n2", "n3"])
            try await withKnownIssue("mongoeco: distinct adds null for documents that lack the field", isIntermittent: false) { () async throws in
                #expect(try await collection.distinct("capabilities") == ["coordinator", "relay", "store", ["nested"]])
                // 1 and 1.0 are one value.
                #expect(try await collection.distinct("level").count == 2)
                #expect(try await collection.distinct("missing") == [])
            } when: {
                fixture.isMongoeco
            }
        }
    }

    @Test(arguments: StoreBackend.all)
    func distinctOnlyConsidersMatchingDocuments(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(Self.devices, into: collection)
            #expect(try await collection.distinct("networkId", filter: ["isOnline": true]) == [nil, "n1", "n2"])
            #expect(try await collection.distinct("capabilities", filter: ["networkId": "n1"]) == ["store", ["nested"]])
        }
    }

    @Test(arguments: StoreBackend.all)
    func distinctReachesIntoArraysOfDocuments(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(
                [
                    ["_id": 1, "messages": [["to": "d2"], ["to": "d1"]]],
                    ["_id": 2, "messages": [["to": "d1"], ["from": "d3"]]],
                ],
                into: collection
            )
            #expect(try await collection.distinct("messages.to") == ["d1", "d2"])
        }
    }

    @Test(arguments: StoreBackend.all)
    func countCountsMatchingDocuments(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            #expect(try await collection.count() == 0)
            try await TestData.insert(Self.devices, into: collection)
            #expect(try await collection.count() == 5)
            #expect(try await collection.count(["isOnline": true]) == 3)
            #expect(try await collection.count(["networkId": "n1", "isOnline": true]) == 1)
            #expect(try await collection.count(["capabilities": "store"]) == 2)
        }
    }

    @Test(arguments: StoreBackend.all)
    func deleteOneDeletesOnlyOneMatch(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(Self.devices, into: collection)
            #expect(try await collection.deleteOne(["isOnline": true]) == 1)
            #expect(try await collection.count(["isOnline": true]) == 2)
            #expect(try await collection.deleteOne(["networkId": "nowhere"]) == 0)
            #expect(try await collection.count() == 4)
        }
    }

    @Test(arguments: StoreBackend.all)
    func deleteManyReturnsTheNumberDeleted(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(Self.devices, into: collection)
            #expect(try await collection.deleteMany(["networkId": ["$in": ["n1", "n3"]]]) == 3)
            #expect(try await TestData.matchingIds([:], in: collection) == [1, 5])
            #expect(try await collection.deleteMany(["networkId": "n1"]) == 0)
            #expect(try await collection.deleteMany([:]) == 2)
            #expect(try await collection.count() == 0)
            // The collection is usable after being emptied.
            _ = try await collection.insertOne(["_id": 1])
            #expect(try await collection.count() == 1)
        }
    }
}
