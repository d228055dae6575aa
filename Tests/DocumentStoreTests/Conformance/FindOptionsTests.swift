import DocumentStore
import Foundation
import Testing

/// Sort, skip, limit and projection.
@Suite struct FindOptionsTests {
    static let people: [Document] = [
        ["_id": 1, "name": "dave", "age": 30, "city": "Oslo"],
        ["_id": 2, "name": "alice", "age": 25, "city": "Lyon"],
        ["_id": 3, "name": "carol", "age": 30, "city": "Lyon"],
        ["_id": 4, "name": "bob", "age": 41, "city": "Oslo"],
        ["_id": 5, "name": "erin", "age": 25, "city": "Rome"],
    ]

    @Test(arguments: StoreBackend.all)
    func sortByMultipleKeys(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(Self.people, into: collection)
            let sorted = try await collection.find([:], sort: [SortKey("age", .descending), SortKey("name")])
            #expect(TestData.ids(sorted) == [4, 3, 1, 2, 5])
            let byCity = try await collection.find(["age": ["$lt": 40]], sort: [SortKey("city"), SortKey("_id", .descending)])
            #expect(TestData.ids(byCity) == [3, 2, 1, 5])
        }
    }

    @Test(arguments: StoreBackend.all)
    func sortOrdersMixedTypesLikeMongoDB(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            let oid = try #require(ObjectId(hex: "65ab12cd34ef56ab78cd90ef"))
            try await TestData.insert(
                [
                    ["_id": 1, "v": .date(TestData.baseDate)],
                    ["_id": 2, "v": true],
                    ["_id": 3, "v": .objectId(oid)],
                    ["_id": 4, "v": ["k": 1]],
                    ["_id": 5, "v": "text"],
                    ["_id": 6, "v": 2.5],
                    ["_id": 7, "v": nil],
                    ["_id": 8, "v": 1],
                    ["_id": 9],
                ],
                into: collection
            )
            let ascending = try await collection.find([:], sort: [SortKey("v"), SortKey("_id")])
            #expect(TestData.ids(ascending) == [7, 9, 8, 6, 5, 4, 3, 2, 1])
            let descending = try await collection.find([:], sort: [SortKey("v", .descending), SortKey("_id")])
            #expect(TestData.ids(descending) == [1, 2, 3, 4, 5, 6, 8, 7, 9])
        }
    }

    @Test(arguments: StoreBackend.all)
    func sortUsesArrayMinimumAscendingAndMaximumDescending(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(
                [["_id": 1, "v": [5, 1]], ["_id": 2, "v": 3], ["_id": 3, "v": [2, 9]]],
                into: collection
            )
            #expect(TestData.ids(try await collection.find([:], sort: [SortKey("v")])) == [1, 3, 2])
            #expect(TestData.ids(try await collection.find([:], sort: [SortKey("v", .descending)])) == [3, 1, 2])
        }
    }

    @Test(arguments: StoreBackend.all)
    func skipAndLimitPageThroughSortedResults(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(Self.people, into: collection)
            let sort = [SortKey("name")]
            #expect(TestData.ids(try await collection.find([:], sort: sort, limit: 2)) == [2, 4])
            #expect(TestData.ids(try await collection.find([:], sort: sort, limit: 2, skip: 2)) == [3, 1])
            #expect(TestData.ids(try await collection.find([:], sort: sort, limit: 2, skip: 4)) == [5])
            #expect(TestData.ids(try await collection.find([:], sort: sort, skip: 10)) == [])
            #expect(try await collection.find([:], limit: 0).count == 5)
            #expect(try await collection.find([:], limit: 3).count == 3)
            await expectStoreError(.invalidQuery) { try await collection.find([:], skip: -1) }
        }
    }

    @Test(arguments: StoreBackend.all)
    func inclusionProjectionKeepsIdUnlessExcluded(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "a": 1, "b": ["c": 2, "d": 3], "e": [["c": 4, "x": 5], 6]])
            let withId = try await collection.find([:], projection: ["b.c": 1, "a": true])
            #expect(withId == [["_id": 1, "a": 1, "b": ["c": 2]]])
            let withoutId = try await collection.find([:], projection: ["a": 1, "_id": 0])
            #expect(withoutId == [["a": 1]])
            let intoArrays = try await collection.find([:], projection: ["e.c": 1, "_id": 0])
            #expect(intoArrays == [["e": [["c": 4]]]])
            #expect(try await collection.find([:], projection: ["_id": 1]) == [["_id": 1]])
        }
    }

    @Test(arguments: StoreBackend.all)
    func exclusionProjectionRemovesFields(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "a": 1, "b": ["c": 2, "d": 3], "messages": [["data": "big", "to": "x"]]])
            let result = try await collection.find([:], projection: ["a": 0, "b.c": 0, "messages.data": 0])
            #expect(result == [["_id": 1, "b": ["d": 3], "messages": [["to": "x"]]]])
            #expect(try await collection.find([:], projection: ["_id": 0, "b": 0, "messages": 0]) == [["a": 1]])
        }
    }

    @Test(arguments: StoreBackend.all)
    func mixingInclusionAndExclusionIsAnInvalidQuery(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "a": 1, "b": 2])
            await expectStoreError(.invalidQuery) { try await collection.find([:], projection: ["a": 1, "b": 0]) }
            await expectStoreError(.invalidQuery) { try await collection.find([:], projection: ["a": 1, "a.b": 1]) }
        }
    }

    @Test(arguments: StoreBackend.all)
    func findOneHonoursSortSkipAndProjection(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(Self.people, into: collection)
            let oldest = try await collection.findOne(["city": "Oslo"], sort: [SortKey("age", .descending)], projection: ["name": 1, "_id": 0])
            #expect(oldest == ["name": "bob"])
            let second = try await collection.findOne([:], options: FindOptions(sort: [SortKey("name")], skip: 1))
            #expect(second?["_id"] == 4)
            #expect(try await collection.findOne(["city": "Paris"]) == nil)
        }
    }

    @Test(arguments: StoreBackend.all)
    func freshestDeviceOfAUserIsFoundBySortingOnLastSeen(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            let now = TestData.baseDate
            try await collection.createIndexes([IndexSpec("userId", "networkId")])
            try await TestData.insert(
                [
                    ["_id": 1, "userId": "u1", "networkId": "n1", "isOnline": true, "lastSeen": .date(now.addingTimeInterval(-120))],
                    ["_id": 2, "userId": "u1", "networkId": "n1", "isOnline": true, "lastSeen": .date(now.addingTimeInterval(-5))],
                    ["_id": 3, "userId": "u1", "networkId": "n1", "isOnline": false, "lastSeen": .date(now)],
                    ["_id": 4, "userId": "u1", "networkId": "n2", "isOnline": true, "lastSeen": .date(now)],
                ],
                into: collection
            )
            let freshest = try await collection.findOne(
                ["userId": "u1", "networkId": "n1", "isOnline": true],
                sort: [SortKey("lastSeen", .descending)]
            )
            #expect(freshest?["_id"] == 2)
        }
    }
}
