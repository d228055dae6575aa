import DocumentStore
import Foundation
import Testing

/// Field update operators and the rules of update documents.
@Suite struct UpdateFieldTests {
    @Test(arguments: StoreBackend.all)
    func setReplacesExistingAndAppendsNewFields(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "a": 1, "b": "x"])
            let result = try await collection.updateOne(["_id": 1], ["$set": ["a": 2, "c": true]])
            #expect(result == UpdateResult(matchedCount: 1, modifiedCount: 1))
            #expect(try await TestData.document(1, in: collection) == ["_id": 1, "a": 2, "b": "x", "c": true])
        }
    }

    @Test(arguments: StoreBackend.all)
    func setWithDottedPathCreatesEmbeddedDocuments(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "profile": ["name": "a"]])
            _ = try await collection.updateOne(["_id": 1], ["$set": ["profile.address.city": "Oslo", "stats.logins": 1]])
            let document = try await TestData.document(1, in: collection)
            #expect(document["profile"] == ["name": "a", "address": ["city": "Oslo"]])
            #expect(document.value(atPath: "stats.logins") == 1)
        }
    }

    @Test(arguments: StoreBackend.all)
    func setThroughArrayIndexUpdatesThatElement(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "messages": [["to": "d1"], ["to": "d2"]]])
            _ = try await collection.updateOne(["_id": 1], ["$set": ["messages.1.read": true]])
            #expect(try await TestData.document(1, in: collection)["messages"] == [["to": "d1"], ["to": "d2", "read": true]])
        }
    }

    @Test(arguments: StoreBackend.all)
    func setThroughScalarFailsAndChangesNothing(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "a": 5, "b": 1])
            await expectStoreError(.typeMismatch) { try await collection.updateOne(["_id": 1], ["$set": ["a.b": 1, "b": 2]]) }
            #expect(try await TestData.document(1, in: collection) == ["_id": 1, "a": 5, "b": 1])
        }
    }

    @Test(arguments: StoreBackend.all)
    func unsetRemovesFieldsAndIgnoresMissingOnes(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "a": 1, "b": ["c": 1, "d": 2]])
            let result = try await collection.updateOne(["_id": 1], ["$unset": ["a": "", "b.c": "", "zzz": "", "b.x.y": ""]])
            #expect(result.modifiedCount == 1)
            #expect(try await TestData.document(1, in: collection) == ["_id": 1, "b": ["d": 2]])
        }
    }

    @Test(arguments: StoreBackend.all)
    func incAddsAndCreatesMissingFields(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "n": 1, "d": 1.5])
            _ = try await collection.updateOne(["_id": 1], ["$inc": ["n": 2, "d": 1, "fresh": 5, "nested.count": -1]])
            let document = try await TestData.document(1, in: collection)
            #expect(document["n"] == .int(3))
            #expect(document["d"] == .double(2.5))
            #expect(document["fresh"] == .int(5))
            #expect(document.value(atPath: "nested.count") == .int(-1))
            _ = try await collection.updateOne(["_id": 1], ["$inc": ["n": 0.5]])
            #expect(try await TestData.document(1, in: collection)["n"] == .double(3.5))
        }
    }

    @Test(arguments: StoreBackend.all)
    func incOnNonNumericFieldFailsAndChangesNothing(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "s": "text", "n": 1])
            await expectStoreError(.typeMismatch) { try await collection.updateOne(["_id": 1], ["$inc": ["n": 1, "s": 1]]) }
            await expectStoreError(.typeMismatch) { try await collection.updateOne(["_id": 1], ["$inc": ["n": "one"]]) }
            #expect(try await TestData.document(1, in: collection) == ["_id": 1, "s": "text", "n": 1])
        }
    }

    @Test(arguments: StoreBackend.all)
    func mulMultipliesAndCreatesZero(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "n": 3])
            _ = try await collection.updateOne(["_id": 1], ["$mul": ["n": 4, "missing": 2]])
            let document = try await TestData.document(1, in: collection)
            #expect(document["n"] == .int(12))
            #expect(document["missing"] == .int(0))
        }
    }

    @Test(arguments: StoreBackend.all)
    func minAndMaxKeepTheExtremes(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            let early = TestData.baseDate
            _ = try await collection.insertOne(["_id": 1, "low": 5, "high": 5, "firstSeen": .date(early)])
            _ = try await collection.updateOne(
                ["_id": 1],
                ["$min": ["low": 3, "firstSeen": .date(early.addingTimeInterval(60))], "$max": ["high": 4, "peak": 1]]
            )
            let document = try await TestData.document(1, in: collection)
            #expect(document["low"] == 3)
            #expect(document["high"] == 5)
            #expect(document["peak"] == 1)
            #expect(document["firstSeen"] == .date(early))
        }
    }

    @Test(arguments: StoreBackend.all)
    func currentDateSetsTheStoreTime(backend: StoreBackend) async throws {
        try await backend.withCollection { collection, fixture in
            _ = try await collection.insertOne(["_id": 1])
            _ = try await collection.updateOne(["_id": 1], ["$currentDate": ["touchedAt": true]])
            let touched = try #require(try await TestData.document(1, in: collection)["touchedAt"]?.dateValue)
            if let clock = fixture.clock {
                #expect(touched == clock.now())
            }
        }
    }

    @Test(arguments: StoreBackend.all)
    func updateDocumentWithoutOperatorsIsAnInvalidQuery(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "a": 1])
            await expectStoreError(.invalidQuery) { try await collection.updateOne(["_id": 1], ["a": 2]) }
            await expectStoreError(.invalidQuery) { try await collection.updateOne(["_id": 1], ["$set": ["a": 2], "b": 3]) }
            await expectStoreError(.invalidQuery) { try await collection.updateMany([:], [:]) }
            await expectStoreError(.invalidQuery) { try await collection.updateOne(["_id": 1], ["$bogus": ["a": "b"]]) }
            #expect(try await TestData.document(1, in: collection) == ["_id": 1, "a": 1])
        }
    }

    @Test(arguments: StoreBackend.all)
    func conflictingPathsInOneUpdateAreAnInvalidQuery(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "a": ["b": 1]])
            await expectStoreError(.invalidQuery) { try await collection.updateOne(["_id": 1], ["$set": ["a": 1], "$inc": ["a.b": 1]]) }
            await expectStoreError(.invalidQuery) { try await collection.updateOne(["_id": 1], ["$set": ["x": 1], "$unset": ["x": ""]]) }
        }
    }

    @Test(arguments: StoreBackend.all)
    func changingIdFailsAndChangesNothing(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "a": 1])
            await expectStoreError(.immutableField) { try await collection.updateOne(["_id": 1], ["$set": ["_id": 2, "a": 2]]) }
            await expectStoreError(.immutableField) { try await collection.updateOne(["_id": 1], ["$unset": ["_id": ""]]) }
            // Setting _id to its current value is allowed.
            #expect(try await collection.updateOne(["_id": 1], ["$set": ["_id": 1]]).modifiedCount == 0)
            #expect(try await collection.find() == [["_id": 1, "a": 1]])
        }
    }

    @Test(arguments: StoreBackend.all)
    func modifiedCountIgnoresUpdatesThatChangeNothing(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert([["_id": 1, "s": "on"], ["_id": 2, "s": "off"], ["_id": 3, "s": "off"]], into: collection)
            let result = try await collection.updateMany([:], ["$set": ["s": "on"]])
            #expect(result == UpdateResult(matchedCount: 3, modifiedCount: 2))
            let again = try await collection.updateOne(["_id": 1], ["$set": ["s": "on"], "$unset": ["missing": ""]])
            #expect(again == UpdateResult(matchedCount: 1, modifiedCount: 0))
        }
    }

    @Test(arguments: StoreBackend.all)
    func updateOneChangesOnlyTheFirstMatch(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert([["_id": 1, "g": "a"], ["_id": 2, "g": "a"]], into: collection)
            #expect(try await collection.updateOne(["g": "a"], ["$set": ["hit": true]]) == UpdateResult(matchedCount: 1, modifiedCount: 1))
            #expect(try await collection.count(["hit": true]) == 1)
            #expect(try await collection.updateOne(["g": "zzz"], ["$set": ["hit": true]]) == UpdateResult(matchedCount: 0, modifiedCount: 0))
        }
    }

    @Test(arguments: StoreBackend.all)
    func updateManyChangesEveryMatch(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            let now = TestData.baseDate
            try await TestData.insert(
                [
                    ["_id": 1, "isOnline": true, "lastSeen": .date(now.addingTimeInterval(-900))],
                    ["_id": 2, "isOnline": true, "lastSeen": .date(now.addingTimeInterval(-60))],
                    ["_id": 3, "isOnline": true, "lastSeen": .date(now.addingTimeInterval(-1200))],
                    ["_id": 4, "isOnline": false, "lastSeen": .date(now.addingTimeInterval(-1200))],
                ],
                into: collection
            )
            let stale: Filter = ["lastSeen": ["$lt": .date(now.addingTimeInterval(-600))], "isOnline": true]
            #expect(try await collection.updateMany(stale, ["$set": ["isOnline": false]]) == UpdateResult(matchedCount: 2, modifiedCount: 2))
            #expect(try await TestData.matchingIds(["isOnline": true], in: collection) == [2])
        }
    }

    @Test(arguments: StoreBackend.all)
    func renameMovesFieldsAndIgnoresMissingOnes(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "old": 1, "nested": ["inner": "x"], "keep": true])
            _ = try await collection.updateOne(["_id": 1], ["$rename": ["old": "new", "nested.inner": "flat", "ghost": "spirit"]])
            #expect(
                TestData.fields(try await TestData.document(1, in: collection)) == ["_id": 1, "nested": [:], "keep": true, "new": 1, "flat": "x"]
            )
            await expectStoreError(.invalidQuery) { try await collection.updateOne(["_id": 1], ["$rename": ["new": "new.deeper"]]) }
            await expectStoreError(.invalidQuery) { try await collection.updateOne(["_id": 1], ["$rename": ["new": "x"], "$set": ["x": 2]]) }
        }
    }

    @Test(arguments: StoreBackend.all)
    func updateFieldsApplyInFieldNameOrder(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1])
            _ = try await collection.updateOne(["_id": 1], ["$set": ["b": 1, "a": 1], "$inc": ["c": 1]])
            #expect(try await TestData.document(1, in: collection).keys == ["_id", "a", "b", "c"])
        }
    }
}
