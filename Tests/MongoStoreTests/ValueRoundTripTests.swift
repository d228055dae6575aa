import DocumentStore
import Foundation
import MongoStore
import Testing

/// Values written through the server come back identical, and queries see them with MongoDB's
/// type semantics.
@Suite struct ValueRoundTripTests {
    @Test func everyValueTypeRoundTripsThroughTheServer() async throws {
        try await withMongoCollection { collection in
            let id = ObjectId()
            let document: Document = [
                "_id": .objectId(id),
                "null": nil, "bool": true, "int": .int(.max), "negative": .int(.min), "double": 3.25, "zero": 0.0,
                "string": "héllo \"quoted\" 日本語 👩‍💻", "nul": "a\0b\0",
                "date": .date(Timestamp(millisecondsSinceEpoch: 1_705_752_000_123)),
                "beforeEpoch": .date(Timestamp(millisecondsSinceEpoch: -1_234_567)),
                "oid": .objectId(ObjectId()),
                "array": [1, "two", [3, [4, [5]]], ["four": 4]], "document": ["nested": ["deep": false]], "empty": [:], "emptyArray": [],
            ]
            #expect(try await collection.insertOne(document) == .objectId(id))
            let stored = try #require(try await collection.findOne(["_id": .objectId(id)]))
            #expect(stored == document)
            #expect(stored.keys == document.keys)
        }
    }

    @Test func stringsWithNulAndNonASCIIMatchExactly() async throws {
        try await withMongoCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "s": "a\0b"])
            _ = try await collection.insertOne(["_id": 2, "s": "a"])
            _ = try await collection.insertOne(["_id": 3, "s": "é"])
            _ = try await collection.insertOne(["_id": 4, "s": "e\u{301}"])  // decomposed: a different string in BSON
            #expect(try await collection.find(["s": "a\0b"]).map { $0["_id"] } == [1])
            #expect(try await collection.find(["s": "é"]).map { $0["_id"] } == [3])
            #expect(try await collection.findOne(["_id": 1])?["s"]?.stringValue?.utf8.count == 3)
        }
    }

    @Test func integersStayIntegersAndDoublesStayDoublesButCompareByValue() async throws {
        try await withMongoCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "n": 1])
            _ = try await collection.insertOne(["_id": 2, "n": 1.0])
            _ = try await collection.insertOne(["_id": 3, "n": 1.5])
            #expect(try await collection.findOne(["_id": 1])?["n"] == .int(1))
            #expect(try await collection.findOne(["_id": 2])?["n"] == .double(1))
            #expect(try await collection.count(["n": 1]) == 2)
            #expect(try await collection.count(["n": 1.0]) == 2)
            #expect(try await collection.count(["n": ["$gt": 1]]) == 1)
            _ = try await collection.updateOne(["_id": 1], ["$inc": ["n": 2]])
            #expect(try await collection.findOne(["_id": 1])?["n"] == .int(3))
            _ = try await collection.updateOne(["_id": 1], ["$inc": ["n": 0.5]])
            #expect(try await collection.findOne(["_id": 1])?["n"] == .double(3.5))
        }
    }

    @Test func datesKeepMillisecondsAndCompareChronologically() async throws {
        try await withMongoCollection { collection in
            let base = Timestamp(millisecondsSinceEpoch: 1_705_752_000_000)
            for offset: Int64 in [0, 1, 999, 1000] {
                _ = try await collection.insertOne([
                    "_id": .int(offset), "at": .date(Timestamp(millisecondsSinceEpoch: base.millisecondsSinceEpoch + offset)),
                ])
            }
            #expect(try await collection.findOne(["_id": 999])?["at"] == .date(Timestamp(millisecondsSinceEpoch: 1_705_752_000_999)))
            let later = try await collection.find(["at": ["$gt": .date(base)]], sort: [SortKey("at")])
            #expect(later.map { $0["_id"] } == [1, 999, 1000])
            let fromDate = try await collection.count(["at": ["$lte": .date(Date(timeIntervalSince1970: 1_705_752_000.999))]])
            #expect(fromDate == 3)
        }
    }

    @Test func nestedArraysRoundTripAndMatchElementWise() async throws {
        try await withMongoCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "m": [[1, 2], [3, [4, 5]]], "tags": ["a", "b"]])
            #expect(try await collection.findOne(["_id": 1])?["m"] == [[1, 2], [3, [4, 5]]])
            #expect(try await collection.count(["m": [1, 2]]) == 1)
            #expect(try await collection.count(["tags": "b"]) == 1)
            #expect(try await collection.count(["m.1.1": [4, 5]]) == 1)
        }
    }
}
