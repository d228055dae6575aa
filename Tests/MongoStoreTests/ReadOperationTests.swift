import DocumentStore
import MongoStore
import Testing

/// find / findOne / count / distinct with MongoDB's semantics.
@Suite struct ReadOperationTests {
    static let devices: [Document] = [
        ["_id": 1, "deviceId": "d1", "networkId": "n1", "lastSeen": 50, "caps": ["relay", "store"], "profile": ["name": "a", "age": 30]],
        ["_id": 2, "deviceId": "d2", "networkId": "n1", "lastSeen": 10, "caps": ["relay"], "profile": ["name": "b", "age": 20]],
        ["_id": 3, "deviceId": "d3", "networkId": "n2", "lastSeen": 40, "caps": [], "profile": ["name": "c", "age": 40]],
        ["_id": 4, "deviceId": "d4", "networkId": "n1", "lastSeen": 30, "caps": ["coordinator", "relay"]],
        ["_id": 5, "deviceId": "d5", "networkId": "n2", "lastSeen": 20],
    ]

    static func seed(_ collection: any DocumentCollection) async throws {
        for device in devices { _ = try await collection.insertOne(device) }
    }

    @Test func findSortsSkipsAndLimits() async throws {
        try await withMongoCollection { collection in
            try await Self.seed(collection)
            let newest = try await collection.find([:], sort: [SortKey("lastSeen", .descending)])
            #expect(newest.map { $0["_id"] } == [1, 3, 4, 5, 2])
            let page = try await collection.find([:], sort: [SortKey("lastSeen", .descending)], limit: 2, skip: 1)
            #expect(page.map { $0["_id"] } == [3, 4])
            let compound = try await collection.find([:], sort: [SortKey("networkId"), SortKey("lastSeen", .descending)])
            #expect(compound.map { $0["_id"] } == [1, 4, 2, 3, 5])
            #expect(try await collection.find([:], limit: 0).count == 5)
            #expect(try await collection.find([:], skip: 10).isEmpty)
            await expectStoreError(.invalidQuery) { try await collection.find([:], skip: -1) }
        }
    }

    @Test func findProjectsIncludingAndExcludingFields() async throws {
        try await withMongoCollection { collection in
            try await Self.seed(collection)
            let included = try #require(try await collection.findOne(["_id": 1], projection: ["deviceId": 1, "profile.name": 1]))
            #expect(included == ["_id": 1, "deviceId": "d1", "profile": ["name": "a"]])
            let withoutId = try #require(try await collection.findOne(["_id": 1], projection: ["deviceId": 1, "_id": 0]))
            #expect(withoutId == ["deviceId": "d1"])
            let excluded = try #require(try await collection.findOne(["_id": 2], projection: ["caps": 0, "profile": 0]))
            #expect(excluded == ["_id": 2, "deviceId": "d2", "networkId": "n1", "lastSeen": 10])
            await expectStoreError(.invalidQuery) { try await collection.find([:], projection: ["a": 1, "b": 0]) }
        }
    }

    @Test func findOneHonoursSortAndSkip() async throws {
        try await withMongoCollection { collection in
            try await Self.seed(collection)
            #expect(try await collection.findOne(["networkId": "n1"], sort: [SortKey("lastSeen")])?["_id"] == 2)
            let second = try await collection.findOne(["networkId": "n1"], options: FindOptions(sort: [SortKey("lastSeen")], skip: 1))
            #expect(second?["_id"] == 4)
            #expect(try await collection.findOne(["networkId": "none"]) == nil)
        }
    }

    @Test func queryOperatorsRunOnTheServer() async throws {
        try await withMongoCollection { collection in
            try await Self.seed(collection)
            #expect(try await collection.count(["caps": "relay"]) == 3)
            #expect(try await collection.count(["caps": ["$size": 0]]) == 1)
            #expect(try await collection.count(["caps": ["$all": ["relay", "store"]]]) == 1)
            #expect(try await collection.count(["profile.age": ["$gte": 30]]) == 2)
            #expect(try await collection.count(["profile": ["$exists": false]]) == 2)
            #expect(try await collection.count(["$or": [["networkId": "n2"], ["lastSeen": ["$lt": 15]]]]) == 3)
            #expect(try await collection.count(["deviceId": ["$in": ["d1", "d5", "zz"]]]) == 2)
            #expect(try await collection.count(["deviceId": ["$nin": ["d1", "d5"]], "networkId": ["$ne": "n2"]]) == 2)
            await expectStoreError(.invalidQuery) { try await collection.find(["lastSeen": ["$bogus": 1]]) }
            await expectStoreError(.invalidQuery) { try await collection.count(["$bogus": [["a": 1]]]) }
        }
    }

    @Test func countCountsMatchingDocuments() async throws {
        try await withMongoCollection { collection in
            #expect(try await collection.count() == 0)
            try await Self.seed(collection)
            #expect(try await collection.count() == 5)
            #expect(try await collection.count(["networkId": "n1"]) == 3)
            #expect(try await collection.count(["networkId": "none"]) == 0)
        }
    }

    @Test func distinctFlattensArraysAndSortsInMongoOrder() async throws {
        try await withMongoCollection { collection in
            for document: Document in [
                ["_id": 1, "networkId": "n2", "caps": ["store", "relay"], "profile": ["age": 30]],
                ["_id": 2, "networkId": "n1", "caps": ["relay"], "profile": ["age": 20]],
                ["_id": 3, "networkId": "n1", "caps": "coordinator", "profile": ["age": 30.0]],
                ["_id": 4, "networkId": "n2", "caps": [], "profile": ["age": 40]],
            ] {
                _ = try await collection.insertOne(document)
            }
            #expect(try await collection.distinct("caps") == ["coordinator", "relay", "store"])
            #expect(try await collection.distinct("caps", filter: ["networkId": "n1"]) == ["coordinator", "relay"])
            #expect(try await collection.distinct("networkId") == ["n1", "n2"])
            // 30 and 30.0 are one value.
            #expect(try await collection.distinct("profile.age").count == 3)
            _ = try await collection.insertOne(["_id": 6, "networkId": "n3", "caps": [1, "relay", 2.5, true], "profile": ["age": 1]])
            // Numbers before strings before booleans (MongoDB's cross-type order).
            #expect(try await collection.distinct("caps") == [1, 2.5, "coordinator", "relay", "store", true])
        }
    }

    @Test func distinctSkipsDocumentsWithoutTheFieldButKeepsExplicitNull() async throws {
        try await withMongoCollection { collection in
            try await Self.seed(collection)
            // MongoDB: a document without the field contributes nothing; an explicit null is a value.
            try await mongoecoLacks("distinct reports null for documents that lack the field") {
                let ages = try await collection.distinct("profile.age")
                let missing = try await collection.distinct("missing")
                #expect(ages == [20, 30, 40])
                #expect(missing == [])
            }
            _ = try await collection.insertOne(["_id": 9, "missing": nil])
            #expect(try await collection.distinct("missing") == [nil])
        }
    }

    @Test func readsOfAMissingCollectionAreEmpty() async throws {
        try await withMongoCollection { collection in
            let all = try await collection.find()
            let first = try await collection.findOne()
            let count = try await collection.count()
            let distinct = try await collection.distinct("a")
            let indexes = try await collection.listIndexes()
            #expect(all.isEmpty)
            #expect(first == nil)
            #expect(count == 0)
            #expect(distinct.isEmpty)
            #expect(indexes.map(\.name) == ["_id_"])
        }
    }
}
