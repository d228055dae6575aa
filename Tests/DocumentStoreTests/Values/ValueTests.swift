import DocumentStore
import Foundation
import Testing

/// The value types: literals, accessors, ordering, ObjectId and Timestamp.
@Suite struct ValueTests {
    @Test func literalsBuildTheMatchingCases() {
        let values: [Value] = [nil, true, 7, 2.5, "s", [1], ["k": 1]]
        #expect(values == [.null, .bool(true), .int(7), .double(2.5), .string("s"), .array([.int(1)]), .document(["k": .int(1)])])
    }

    @Test func accessorsReturnValuesOfTheirTypeOnly() {
        #expect(Value.int(3).intValue == 3)
        #expect(Value.double(3).intValue == 3)
        #expect(Value.double(3.5).intValue == nil)
        #expect(Value.int(3).doubleValue == 3)
        #expect(Value.string("3").intValue == nil)
        #expect(Value.bool(true).boolValue == true)
        #expect(Value.array([1]).arrayValue == [1])
        #expect(Value.document(["a": 1]).documentValue == ["a": 1])
        let date = Date(timeIntervalSince1970: 1_700_000_000.25)
        #expect(Value.date(date).dateValue == date)
        #expect(Value.null.isNull)
        #expect(Value.string("x").stringValue == "x")
    }

    @Test func compareFollowsMongoDBTypeOrder() {
        let ordered: [Value] = [nil, -1, 2.5, 3, "B", "a", ["a": 1], [1], .objectId(ObjectId()), false, true, .date(Date())]
        for (lower, higher) in zip(ordered, ordered.dropFirst()) {
            #expect(Value.compare(lower, higher) < 0, "\(lower) < \(higher)")
            #expect(Value.compare(higher, lower) > 0, "\(higher) > \(lower)")
        }
        #expect(Value.compare(1, 1.0) == 0)
        #expect(Value.compare(.int(Int64.max), .double(9_223_372_036_854_775_807.0)) < 0)
        #expect(Value.compare(.double(.nan), .int(Int64.min)) < 0)
    }

    @Test func documentKeepsOrderAndReplacesInPlace() {
        var document: Document = ["b": 1, "a": 2]
        document["c"] = 3
        document["b"] = 4
        #expect(document.keys == ["b", "a", "c"])
        #expect(document["b"] == 4)
        document["a"] = nil
        #expect(document.keys == ["b", "c"])
        #expect(document.count == 2)
        #expect(!document.isEmpty)
        #expect(document.containsKey("c"))
        #expect(Array(document.map(\.key)) == ["b", "c"])
        #expect(document.removeValue(forKey: "c") == 3)
        #expect(Document() == [:])
    }

    @Test func valueAtPathWalksDocumentsAndArrayIndexes() {
        let document: Document = ["a": ["b": ["c": 1]], "list": [["x": 1], ["x": 2]]]
        #expect(document.value(atPath: "a.b.c") == 1)
        #expect(document.value(atPath: "list.1.x") == 2)
        #expect(document.value(atPath: "list.x") == nil)
        #expect(document.value(atPath: "a.zzz") == nil)
        #expect(document.value(atPath: "a") == ["b": ["c": 1]])
    }

    @Test func descriptionIsRelaxedExtendedJSON() throws {
        let id = try #require(ObjectId(hex: "65ab12cd34ef56ab78cd90ef"))
        let document: Document = [
            "_id": .objectId(id), "n": 1, "d": 1.0, "s": "q\"", "at": .date(Timestamp(millisecondsSinceEpoch: 0)), "a": [nil, true],
        ]
        #expect(
            document.description
                == #"{"_id": {"$oid": "65ab12cd34ef56ab78cd90ef"}, "n": 1, "d": 1.0, "s": "q\"", "at": {"$date": "1970-01-01T00:00:00.000Z"}, "a": [null, true]}"#
        )
    }

    @Test func objectIdRoundTripsThroughHexAndBytes() throws {
        let id = ObjectId()
        #expect(ObjectId(hex: id.hex) == id)
        #expect(ObjectId(bytes: id.bytes) == id)
        #expect(id.hex.count == 24)
        #expect(ObjectId(hex: "65AB12CD34EF56AB78CD90EF")?.hex == "65ab12cd34ef56ab78cd90ef")
        #expect(ObjectId(hex: "xyz") == nil)
        #expect(ObjectId(hex: "65ab12cd34ef56ab78cd90eg") == nil)
        #expect(ObjectId(bytes: [1, 2, 3]) == nil)
        #expect(abs(id.timestamp.timeIntervalSinceNow) < 5)
    }

    @Test func generatedObjectIdsAreUniqueAndShareTheProcessBytes() {
        let ids = (0..<1000).map { _ in ObjectId() }
        #expect(Set(ids).count == 1000)
        let processBytes = Set(ids.map { Array($0.bytes[4..<9]) })
        #expect(processBytes.count == 1)
        // The 3-byte counter moves forward (other tests may take ids in between), wrapping at 2^24.
        let counters = ids.map { $0.bytes[9..<12].reduce(0) { $0 << 8 | Int($1) } }
        for (previous, next) in zip(counters, counters.dropFirst()) {
            let step = (next - previous) & 0xff_ffff
            #expect(step > 0 && step < 0x10_0000)
        }
    }

    @Test func timestampTruncatesToMillisecondsAndRoundTrips() {
        let date = Date(timeIntervalSince1970: 1_705_752_000.123_9)
        #expect(Timestamp(date).millisecondsSinceEpoch == 1_705_752_000_123)
        let before = Date(timeIntervalSince1970: -0.0005)
        #expect(Timestamp(before).millisecondsSinceEpoch == -1)
        for milliseconds in [Int64(0), 1, 999, 1_705_752_000_123, -1_000, 253_402_300_799_999] {
            let stamp = Timestamp(millisecondsSinceEpoch: milliseconds)
            #expect(Timestamp(stamp.date) == stamp)
        }
        #expect(Timestamp(millisecondsSinceEpoch: 1_705_752_000_123).description == "2024-01-20T12:00:00.123Z")
        #expect(Timestamp(millisecondsSinceEpoch: -1).description == "1969-12-31T23:59:59.999Z")
    }

    @Test func storeErrorDescriptionsNameCodeAndIndex() {
        let error = StoreError(code: .duplicateKey, message: "duplicate", collection: "devices", indexName: "deviceId_1")
        #expect(error.description == "duplicateKey: duplicate (collection: devices, index: deviceId_1)")
        #expect(StoreError.Code.indexConflict.description == "indexConflict")
    }

    @Test func indexSpecDefaultNamesFollowMongoDB() {
        #expect(IndexSpec("networkId", "isOnline").name == "networkId_1_isOnline_1")
        #expect(IndexSpec(keys: [IndexKey("lastSeen", .descending)]).name == "lastSeen_-1")
        #expect(IndexSpec("a", name: "custom").name == "custom")
    }

    @Test func manualClockMovesOnlyWhenTold() {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 100))
        #expect(clock.now() == Date(timeIntervalSince1970: 100))
        clock.advance(by: 5)
        clock.advance(by: .milliseconds(1500))
        #expect(clock.now() == Date(timeIntervalSince1970: 106.5))
        clock.set(Date(timeIntervalSince1970: 0))
        #expect(clock.now() == Date(timeIntervalSince1970: 0))
        #expect(abs(SystemWallClock().now().timeIntervalSinceNow) < 5)
    }
}
