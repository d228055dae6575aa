import DocumentStore
import Foundation
import Testing

/// Inserting, round-tripping values, ping and shutdown.
@Suite struct StoreLifecycleTests {
    @Test(arguments: StoreBackend.all)
    func insertOneGeneratesAnObjectIdAndPutsItFirst(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            let id = try await collection.insertOne(["name": "a", "n": 1])
            let objectId = try #require(id.objectIdValue)
            let stored = try await TestData.document(id, in: collection)
            #expect(stored.keys == ["_id", "name", "n"])
            #expect(try await collection.count(["_id": .objectId(objectId)]) == 1)
            let second = try await collection.insertOne(["name": "b"])
            #expect(second != id)
        }
    }

    @Test(arguments: StoreBackend.all)
    func insertOneKeepsAGivenIdAndMovesItFirst(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            let id = try await collection.insertOne(["name": "a", "_id": "custom"])
            #expect(id == "custom")
            #expect(try await TestData.document("custom", in: collection).keys == ["_id", "name"])
            await expectStoreError(.invalidDocument) { try await collection.insertOne(["_id": [1, 2]]) }
        }
    }

    @Test(arguments: StoreBackend.all)
    func everyValueTypeRoundTrips(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            let oid = ObjectId()
            let document: Document = [
                "_id": .objectId(oid),
                "null": nil, "bool": true, "int": .int(Int64.max), "negative": -7, "double": 3.25,
                "string": "héllo \"quoted\"", "date": .date(Date(timeIntervalSince1970: 1_705_752_000.5)),
                "array": [1, "two", [3], ["four": 4]], "document": ["nested": ["deep": false]], "empty": [:], "emptyArray": [],
            ]
            _ = try await collection.insertOne(document)
            #expect(try await TestData.document(.objectId(oid), in: collection) == document)
        }
    }

    @Test(arguments: StoreBackend.all)
    func pingSucceedsAndShutdownMakesTheStoreUnavailable(backend: StoreBackend) async throws {
        let fixture = try await backend.makeFixture()
        try await fixture.store.ping()
        #expect(!fixture.store.backendName.isEmpty)
        let collection = fixture.collection("lifecycle")
        _ = try await collection.insertOne(["a": 1])
        try await fixture.tearDown()
        await expectStoreError(.unavailable) { try await fixture.store.ping() }
        await expectStoreError(.unavailable) { try await collection.count() }
    }

    @Test(arguments: StoreBackend.all)
    func collectionsAreIndependent(backend: StoreBackend) async throws {
        let fixture = try await backend.makeFixture()
        let first = fixture.collection("first")
        let second = fixture.collection("second")
        _ = try await first.insertOne(["_id": 1])
        try await first.createIndex(IndexSpec("k", unique: true))
        _ = try await second.insertOne(["_id": 1])
        #expect(try await second.listIndexes().map(\.name) == ["_id_"])
        #expect(try await fixture.store.collection(first.name).count() == 1)
        try await fixture.tearDown()
    }
}
