import DocumentStore
import Foundation
import Testing

/// Range operators: type bracketing, strings, dates.
@Suite struct FilterComparisonTests {
    @Test(arguments: StoreBackend.all)
    func rangeOperatorsOnlyMatchValuesOfTheSameType(backend: StoreBackend) async throws {
        try await backend.withCollection { collection, fixture in
            try await TestData.insert(
                [
                    ["_id": 1, "v": 10],
                    ["_id": 2, "v": "10"],
                    ["_id": 3, "v": true],
                    ["_id": 4, "v": .date(TestData.baseDate)],
                    ["_id": 5, "v": nil],
                    ["_id": 6, "v": [3, 20]],
                ],
                into: collection
            )
            // MongoDB's type bracketing: $gt/$gte/$lt/$lte match only values of the operand's type (any numeric type
            // for a number), also inside arrays.
            try await withKnownIssue(
                "mongoeco: no type bracketing; ranges compare across types in BSON order ($gt 5 matches strings, booleans, dates; $lt 5 null)",
                isIntermittent: false
            ) { () async throws in
                #expect(try await TestData.matchingIds(["v": ["$gt": 5]], in: collection) == [1, 6])
                #expect(try await TestData.matchingIds(["v": ["$lt": 5]], in: collection) == [6])
                #expect(try await TestData.matchingIds(["v": ["$gte": "1"]], in: collection) == [2])
                #expect(try await TestData.matchingIds(["v": ["$gt": false]], in: collection) == [3])
            } when: {
                fixture.isMongoeco
            }
        }
    }

    @Test(arguments: StoreBackend.all)
    func stringRangesCompareByBytes(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(
                [["_id": 1, "s": "Zed"], ["_id": 2, "s": "apple"], ["_id": 3, "s": "banana"], ["_id": 4, "s": "é"]],
                into: collection
            )
            // Uppercase sorts before lowercase, non-ASCII after ASCII.
            #expect(try await TestData.matchingIds(["s": ["$lt": "a"]], in: collection) == [1])
            #expect(try await TestData.matchingIds(["s": ["$gt": "b"]], in: collection) == [3, 4])
        }
    }

    @Test(arguments: StoreBackend.all)
    func dateRangeOperatorsCompareChronologically(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            let now = TestData.baseDate
            try await TestData.insert(
                [
                    ["_id": 1, "lastSeen": .date(now.addingTimeInterval(-3600))],
                    ["_id": 2, "lastSeen": .date(now.addingTimeInterval(-300))],
                    ["_id": 3, "lastSeen": .date(now)],
                    ["_id": 4, "lastSeen": .date(now.addingTimeInterval(0.001))],
                ],
                into: collection
            )
            let cutoff = now.addingTimeInterval(-600)
            #expect(try await TestData.matchingIds(["lastSeen": ["$gte": .date(cutoff)]], in: collection) == [2, 3, 4])
            #expect(try await TestData.matchingIds(["lastSeen": ["$lt": .date(cutoff)]], in: collection) == [1])
            #expect(try await TestData.matchingIds(["lastSeen": ["$gt": .date(now)]], in: collection) == [4])
            #expect(try await TestData.matchingIds(["lastSeen": .date(now)], in: collection) == [3])
            #expect(
                try await TestData.matchingIds(["lastSeen": ["$gte": .date(cutoff), "$lte": .date(now)]], in: collection) == [2, 3]
            )
        }
    }

    @Test(arguments: StoreBackend.all)
    func datesDoNotCompareWithNumbersOrStrings(backend: StoreBackend) async throws {
        try await backend.withCollection { collection, fixture in
            let now = TestData.baseDate
            try await TestData.insert(
                [
                    ["_id": 1, "at": .date(now)],
                    ["_id": 2, "at": .int(Int64(now.timeIntervalSince1970 * 1000))],
                    ["_id": 3, "at": "2024-01-20T12:00:00Z"],
                ],
                into: collection
            )
            #expect(try await TestData.matchingIds(["at": ["$gte": .date(now.addingTimeInterval(-1))]], in: collection) == [1])
            try await withKnownIssue(
                "mongoeco: no type bracketing; $gte 0 also matches the date and the string (they sort after numbers in BSON order)",
                isIntermittent: false
            ) { () async throws in
                #expect(try await TestData.matchingIds(["at": ["$gte": 0]], in: collection) == [2])
            } when: {
                fixture.isMongoeco
            }
        }
    }

    @Test(arguments: StoreBackend.all)
    func storedDatesKeepMillisecondPrecision(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            let precise = Date(timeIntervalSince1970: 1_705_752_000.123_456)
            let id = try await collection.insertOne(["at": .date(precise)])
            let stored = try await TestData.document(id, in: collection)
            #expect(stored["at"]?.timestampValue?.millisecondsSinceEpoch == 1_705_752_000_123)
            #expect(try await collection.count(["at": .date(precise)]) == 1)
        }
    }
}
