import DocumentStore
import MongoStore
import Testing

/// insertOne, updates, upserts, findOneAndUpdate and deletes, with MongoDB's results.
@Suite struct WriteOperationTests {
    @Test func insertOneGeneratesAnObjectIdFirstOrKeepsTheGivenId() async throws {
        try await withMongoCollection { collection in
            let generated = try await collection.insertOne(["name": "a", "n": 1])
            let objectId = try #require(generated.objectIdValue)
            let stored = try #require(try await collection.findOne(["_id": .objectId(objectId)]))
            #expect(stored.keys == ["_id", "name", "n"])
            #expect(try await collection.insertOne(["name": "b"]) != generated)
            #expect(try await collection.insertOne(["name": "c", "_id": "custom"]) == "custom")
            #expect(try await collection.findOne(["_id": "custom"])?.keys == ["_id", "name"])
        }
    }

    @Test func insertOfAnExistingIdIsADuplicateKeyOnTheIdIndex() async throws {
        try await withMongoCollection { collection in
            _ = try await collection.insertOne(["_id": "x", "v": 1])
            let error = await expectStoreError(.duplicateKey) { try await collection.insertOne(["_id": "x", "v": 2]) }
            #expect(error?.indexName == "_id_")
            #expect(error?.collection == collection.name)
            #expect(try await collection.findOne(["_id": "x"])?["v"] == 1)
        }
    }

    @Test func arrayIdIsAnInvalidDocument() async throws {
        try await withMongoCollection { collection in
            await expectStoreError(.invalidDocument) { try await collection.insertOne(["_id": [1, 2]]) }
            let count = try await collection.count()
            #expect(count == 0)
        }
    }

    @Test func updateCountsMatchedAndModifiedDocuments() async throws {
        try await withMongoCollection { collection in
            for id in 1...4 { _ = try await collection.insertOne(["_id": .int(Int64(id)), "group": id <= 3 ? "a" : "b", "v": 0]) }
            #expect(try await collection.updateOne(["group": "a"], ["$set": ["v": 1]]) == UpdateResult(matchedCount: 1, modifiedCount: 1))
            // Setting the current value matches but modifies nothing.
            #expect(try await collection.updateOne(["_id": 1], ["$set": ["v": 1]]) == UpdateResult(matchedCount: 1, modifiedCount: 0))
            #expect(try await collection.updateMany(["group": "a"], ["$set": ["v": 1]]) == UpdateResult(matchedCount: 3, modifiedCount: 2))
            #expect(try await collection.updateMany(["group": "zz"], ["$set": ["v": 1]]) == UpdateResult(matchedCount: 0, modifiedCount: 0))
            #expect(try await collection.count(["v": 1]) == 3)
        }
    }

    @Test func upsertAppliesSetOnInsertOnlyWhenInserting() async throws {
        try await withMongoCollection { collection in
            let update: Update = ["$set": ["isOnline": true, "seen": 1], "$setOnInsert": ["createdAt": 100]]
            let inserted = try await collection.updateOne(["deviceId": "peer_a"], update, upsert: true)
            #expect(inserted.matchedCount == 0)
            #expect(inserted.modifiedCount == 0)
            let id = try #require(inserted.upsertedId?.objectIdValue)
            let created = try #require(try await collection.findOne(["deviceId": "peer_a"]))
            let expected: Document = ["_id": .objectId(id), "deviceId": "peer_a", "isOnline": true, "seen": 1, "createdAt": 100]
            #expect(fields(created) == fields(expected))
            try await mongoecoLacks("puts _id last in an upserted document; MongoDB puts it first") {
                #expect(created.keys.first == "_id")
            }

            let updated = try await collection.updateOne(
                ["deviceId": "peer_a"],
                ["$set": ["seen": 2], "$setOnInsert": ["createdAt": 999]],
                upsert: true
            )
            #expect(updated == UpdateResult(matchedCount: 1, modifiedCount: 1, upsertedId: nil))
            let after = try #require(try await collection.findOne(["deviceId": "peer_a"]))
            #expect(after["seen"] == 2)
            #expect(after["createdAt"] == 100)
            #expect(try await collection.count() == 1)
        }
    }

    @Test func upsertManyInsertsOneDocumentFromTheEqualityFilter() async throws {
        try await withMongoCollection { collection in
            let result = try await collection.updateMany(["networkId": "n1", "n": ["$gt": 5]], ["$inc": ["hits": 1]], upsert: true)
            #expect(result.matchedCount == 0)
            #expect(result.upsertedId != nil)
            let document = try #require(try await collection.findOne())
            #expect(document["networkId"] == "n1")
            #expect(document["n"] == nil)
            #expect(document["hits"] == 1)
        }
    }

    @Test func pullRemovesSubdocumentsMatchingACondition() async throws {
        try await withMongoCollection { collection in
            _ = try await collection.insertOne([
                "_id": "ch",
                "messages": [["id": "m1", "to": "a"], ["id": "m2", "to": "b"], ["id": "m3", "to": "a"]],
            ])
            let result = try await collection.updateOne(["_id": "ch"], ["$pull": ["messages": ["to": "a", "id": ["$in": ["m1", "m9"]]]]])
            #expect(result == UpdateResult(matchedCount: 1, modifiedCount: 1))
            #expect(try await collection.findOne(["_id": "ch"])?["messages"] == [["id": "m2", "to": "b"], ["id": "m3", "to": "a"]])
            _ = try await collection.updateOne(["_id": "ch"], ["$pull": ["messages": ["to": "a"]]])
            #expect(try await collection.findOne(["_id": "ch"])?["messages"] == [["id": "m2", "to": "b"]])
        }
    }

    @Test func pushWithEachAndSliceKeepsTheNewestElements() async throws {
        try await withMongoCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "queue": [1, 2]])
            _ = try await collection.updateOne(["_id": 1], ["$push": ["queue": ["$each": [3, 4, 5], "$slice": -3]]])
            #expect(try await collection.findOne(["_id": 1])?["queue"] == [3, 4, 5])
            _ = try await collection.updateOne(["_id": 1], ["$push": ["queue": ["$each": [0], "$position": 0]]])
            #expect(try await collection.findOne(["_id": 1])?["queue"] == [0, 3, 4, 5])
            _ = try await collection.updateOne(["_id": 1], ["$push": ["log": ["$each": [["at": 2], ["at": 1]], "$sort": ["at": 1]]]])
            #expect(try await collection.findOne(["_id": 1])?["log"] == [["at": 1], ["at": 2]])
            _ = try await collection.updateOne(["_id": 1], ["$addToSet": ["queue": ["$each": [5, 6]]], "$pop": ["log": -1]])
            let document = try #require(try await collection.findOne(["_id": 1]))
            #expect(document["queue"] == [0, 3, 4, 5, 6])
            #expect(document["log"] == [["at": 2]])
        }
    }

    @Test func findOneAndUpdateReturnsTheDocumentBeforeOrAfter() async throws {
        try await withMongoCollection { collection in
            for id in 1...3 { _ = try await collection.insertOne(["_id": .int(Int64(id)), "job": "sweep", "lease": .int(Int64(id * 10))]) }
            let before = try await collection.findOneAndUpdate(
                ["job": "sweep"],
                ["$set": ["lease": 99]],
                returnDocument: .before,
                sort: [SortKey("lease", .descending)]
            )
            #expect(before == ["_id": 3, "job": "sweep", "lease": 30])
            let after = try await collection.findOneAndUpdate(
                ["job": "sweep", "lease": ["$lt": 50]],
                ["$inc": ["lease": 1]],
                returnDocument: .after,
                sort: [SortKey("lease")],
                projection: ["lease": 1, "_id": 0]
            )
            #expect(after == ["lease": 11])
            #expect(try await collection.findOneAndUpdate(["job": "none"], ["$set": ["x": 1]]) == nil)
        }
    }

    @Test func findOneAndUpdateUpsertReturnsTheNewDocumentOrNil() async throws {
        try await withMongoCollection { collection in
            let created = try await collection.findOneAndUpdate(
                ["name": "leader"],
                ["$set": ["holder": "a"], "$setOnInsert": ["since": 1]],
                upsert: true,
                returnDocument: .after
            )
            #expect(created?["name"] == "leader")
            #expect(created?["holder"] == "a")
            #expect(created?["since"] == 1)
            #expect(created?["_id"]?.objectIdValue != nil)
            let nothingBefore = try await collection.findOneAndUpdate(
                ["name": "other"],
                ["$set": ["holder": "b"]],
                upsert: true,
                returnDocument: .before
            )
            #expect(nothingBefore == nil)
            #expect(try await collection.count() == 2)
        }
    }

    @Test func deleteOneAndDeleteManyReportHowManyWereDeleted() async throws {
        try await withMongoCollection { collection in
            for id in 1...5 { _ = try await collection.insertOne(["_id": .int(Int64(id)), "odd": .bool(id % 2 == 1)]) }
            #expect(try await collection.deleteOne(["odd": true]) == 1)
            #expect(try await collection.deleteOne(["_id": 99]) == 0)
            #expect(try await collection.deleteMany(["odd": true]) == 2)
            #expect(try await collection.deleteMany(["odd": true]) == 0)
            #expect(try await collection.deleteMany([:]) == 2)
            #expect(try await collection.count() == 0)
        }
    }

    @Test func malformedUpdatesAreInvalidQueries() async throws {
        try await withMongoCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "a": 1])
            await expectStoreError(.invalidQuery) { try await collection.updateOne(["_id": 1], ["a": 2]) }
            await expectStoreError(.invalidQuery) { try await collection.updateOne(["_id": 1], ["$set": ["a": 2], "b": 3]) }
            await expectStoreError(.invalidQuery) { try await collection.updateMany([:], [:]) }
            await expectStoreError(.invalidQuery) { try await collection.findOneAndUpdate(["_id": 1], ["a": 3]) }
            await expectStoreError(.invalidQuery) { try await collection.updateOne(["_id": 1], ["$bogus": ["a": 1]]) }
            await expectStoreError(.invalidQuery) { try await collection.updateOne(["_id": 1], ["$set": ["a": 1], "$inc": ["a": 1]]) }
            // A replacement never happened.
            #expect(try await collection.findOne(["_id": 1]) == ["_id": 1, "a": 1])
        }
    }

    @Test func typeErrorsInUpdatesAreTypeMismatches() async throws {
        try await withMongoCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "s": "text", "n": 1])
            await expectStoreError(.typeMismatch) { try await collection.updateOne(["_id": 1], ["$inc": ["s": 1]]) }
            // An array operator on a non-array: BadValue (2) or TypeMismatch (14, $pop) on MongoDB, known by its message.
            await expectStoreError(.typeMismatch) { try await collection.updateOne(["_id": 1], ["$push": ["s": 1]]) }
            await expectStoreError(.typeMismatch) { try await collection.updateOne(["_id": 1], ["$addToSet": ["s": 1]]) }
            await expectStoreError(.typeMismatch) { try await collection.updateOne(["_id": 1], ["$pull": ["s": 1]]) }
            await expectStoreError(.typeMismatch) { try await collection.updateOne(["_id": 1], ["$pullAll": ["s": [1]]]) }
            await expectStoreError(.typeMismatch) { try await collection.updateOne(["_id": 1], ["$pop": ["s": 1]]) }
            await expectStoreError(.typeMismatch) { try await collection.findOneAndUpdate(["_id": 1], ["$push": ["s": 1]]) }
            await expectStoreError(.typeMismatch) { try await collection.updateOne(["_id": 1], ["$set": ["n.x": 1]]) }
            #expect(try await collection.findOne(["_id": 1]) == ["_id": 1, "s": "text", "n": 1])
        }
    }

    @Test func changingIdIsAnImmutableFieldError() async throws {
        try await withMongoCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "a": 1])
            await expectStoreError(.immutableField) { try await collection.updateOne(["_id": 1], ["$set": ["_id": 2]]) }
            await expectStoreError(.immutableField) { try await collection.findOneAndUpdate(["_id": 1], ["$set": ["_id": 3]]) }
            #expect(try await collection.count(["_id": 1]) == 1)
        }
    }
}
