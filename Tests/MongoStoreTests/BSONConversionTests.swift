import CMongoc
import DocumentStore
import Foundation
import MongoStore
import Testing

/// `Document` ⇄ BSON without a server: every `Value` case both ways, and the BSON types `Value`
/// has no case for.
@Suite struct BSONConversionTests {
    private func roundTrip(_ document: Document) throws -> Document {
        try OwnedBSON(document).decode()
    }

    /// A libbson document parsed from canonical extended JSON (for BSON types we never write).
    private func decode(extendedJSON json: String) throws -> Document {
        var error = bson_error_t()
        let bson = try #require(bson_new_from_json(json, -1, &error), "\(MongoFailure(error).message)")
        defer { bson_destroy(bson) }
        return try BSONDecoder.document(from: bson)
    }

    @Test func everyValueCaseRoundTrips() throws {
        let id = ObjectId()
        let document: Document = [
            "_id": .objectId(id),
            "null": nil,
            "true": true,
            "false": false,
            "int": 42,
            "double": 3.25,
            "string": "plain",
            "date": .date(Timestamp(millisecondsSinceEpoch: 1_705_752_000_123)),
            "array": [1, "two", [3, [4]], ["five": 5]],
            "document": ["nested": ["deep": false, "list": []]],
            "emptyDocument": [:],
            "emptyArray": [],
        ]
        #expect(try roundTrip(document) == document)
        #expect(try roundTrip(document)["_id"]?.objectIdValue == id)
    }

    @Test func keyOrderIsKept() throws {
        let document: Document = ["z": 1, "a": 2, "m": ["y": 1, "b": 2]]
        let decoded = try roundTrip(document)
        #expect(decoded.keys == ["z", "a", "m"])
        #expect(decoded["m"]?.documentValue?.keys == ["y", "b"])
    }

    @Test func stringsKeepEmbeddedNulAndNonASCII() throws {
        let values = ["a\0b", "\0", "trailing\0", "héllo wörld", "日本語", "👩‍💻 emoji", "", "mixed\0日本\0"]
        for value in values {
            let decoded = try roundTrip(["s": .string(value)])
            #expect(decoded["s"] == .string(value), "\(value.debugDescription)")
            #expect(decoded["s"]?.stringValue?.utf8.count == value.utf8.count)
        }
    }

    @Test func integersAndDoublesStayDistinct() throws {
        let decoded = try roundTrip(["i": 1, "d": 1.0, "max": .int(.max), "min": .int(.min), "big": .int(1 << 40), "nan": .double(.nan)])
        #expect(decoded["i"] == .int(1))
        #expect(decoded["d"] == .double(1))
        #expect(decoded["max"] == .int(.max))
        #expect(decoded["min"] == .int(.min))
        #expect(decoded["big"] == .int(1 << 40))
        #expect(decoded["nan"]?.doubleValue?.isNaN == true)
    }

    @Test func int32ReadsAsInt() throws {
        let decoded = try decode(extendedJSON: #"{"small": {"$numberInt": "-7"}, "long": {"$numberLong": "9000000000"}}"#)
        #expect(decoded["small"] == .int(-7))
        #expect(decoded["long"] == .int(9_000_000_000))
    }

    @Test func datesKeepMillisecondsIncludingBeforeTheEpoch() throws {
        for milliseconds: Int64 in [0, 1, 1_705_752_000_999, -1, -86_400_001, 253_402_300_799_999] {
            let value = Value.date(Timestamp(millisecondsSinceEpoch: milliseconds))
            #expect(try roundTrip(["d": value])["d"] == value)
        }
        let date = Date(timeIntervalSince1970: 1_705_752_000.5)
        #expect(try roundTrip(["d": .date(date)])["d"]?.dateValue == date)
    }

    @Test func deeplyNestedArraysRoundTrip() throws {
        var value: Value = "leaf"
        for depth in 0..<50 {
            value = depth.isMultiple(of: 2) ? [value, .int(Int64(depth))] : ["level": value]
        }
        #expect(try roundTrip(["v": value])["v"] == value)
    }

    @Test func otherBSONTypesReadAsDocumentedValues() throws {
        let decoded = try decode(
            extendedJSON: """
                {
                  "decimal": {"$numberDecimal": "1.5"},
                  "binary": {"$binary": {"base64": "AQID", "subType": "04"}},
                  "regex": {"$regularExpression": {"pattern": "^a", "options": "i"}},
                  "timestamp": {"$timestamp": {"t": 1700000000, "i": 3}},
                  "min": {"$minKey": 1},
                  "max": {"$maxKey": 1},
                  "code": {"$code": "function() {}"},
                  "symbol": {"$symbol": "sym"},
                  "undefined": {"$undefined": true}
                }
                """
        )
        #expect(decoded["decimal"] == .double(1.5))
        #expect(decoded["binary"] == ["$binary": ["base64": "AQID", "subType": "04"]])
        #expect(decoded["regex"] == ["$regularExpression": ["pattern": "^a", "options": "i"]])
        #expect(decoded["timestamp"] == ["$timestamp": ["t": 1_700_000_000, "i": 3]])
        #expect(decoded["min"] == ["$minKey": 1])
        #expect(decoded["max"] == ["$maxKey": 1])
        #expect(decoded["code"] == "function() {}")
        #expect(decoded["symbol"] == "sym")
        #expect(decoded["undefined"] == .null)
    }

    @Test func fieldNameWithNulIsAnInvalidDocument() async throws {
        await expectStoreError(.invalidDocument) { try roundTrip(["bad\0key": 1]) }
        await expectStoreError(.invalidDocument) { try roundTrip(["outer": ["in\0ner": 1]]) }
        await expectStoreError(.invalidDocument) { try roundTrip(["list": [["in\0ner": 1]]]) }
    }
}
