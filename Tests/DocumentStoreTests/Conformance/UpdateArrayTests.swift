import DocumentStore
import Testing

/// `$push $addToSet $pull $pullAll $pop`.
@Suite struct UpdateArrayTests {
    @Test(arguments: StoreBackend.all)
    func pushAppendsAndCreatesTheArray(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "log": [1]])
            _ = try await collection.updateOne(["_id": 1], ["$push": ["log": 2, "fresh": ["a": 1]]])
            let document = try await TestData.document(1, in: collection)
            #expect(document["log"] == [1, 2])
            #expect(document["fresh"] == [["a": 1]])
        }
    }

    @Test(arguments: StoreBackend.all)
    func pushEachWithNegativeSliceKeepsTheLastElements(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "queue": [1, 2, 3]])
            _ = try await collection.updateOne(["_id": 1], ["$push": ["queue": ["$each": [4, 5], "$slice": -3]]])
            #expect(try await TestData.document(1, in: collection)["queue"] == [3, 4, 5])
            _ = try await collection.updateOne(["_id": 1], ["$push": ["queue": ["$each": [6], "$slice": -10]]])
            #expect(try await TestData.document(1, in: collection)["queue"] == [3, 4, 5, 6])
        }
    }

    @Test(arguments: StoreBackend.all)
    func pushEachWithPositionAndSliceKeepsTheFirstElements(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "list": [1, 2, 3]])
            _ = try await collection.updateOne(["_id": 1], ["$push": ["list": ["$each": [0], "$position": 0, "$slice": 3]]])
            #expect(try await TestData.document(1, in: collection)["list"] == [0, 1, 2])
            _ = try await collection.updateOne(["_id": 1], ["$push": ["list": ["$each": [], "$slice": 0]]])
            #expect(try await TestData.document(1, in: collection)["list"] == [])
        }
    }

    @Test(arguments: StoreBackend.all)
    func pushEachWithSortOrdersDocuments(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "top": [["s": 5], ["s": 1]]])
            _ = try await collection.updateOne(["_id": 1], ["$push": ["top": ["$each": [["s": 3]], "$sort": ["s": -1], "$slice": 2]]])
            #expect(try await TestData.document(1, in: collection)["top"] == [["s": 5], ["s": 3]])
        }
    }

    @Test(arguments: StoreBackend.all)
    func pushOntoNonArrayFailsAndChangesNothing(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "s": "text"])
            await expectStoreError(.typeMismatch) { try await collection.updateOne(["_id": 1], ["$push": ["s": 1]]) }
            await expectStoreError(.typeMismatch) { try await collection.updateOne(["_id": 1], ["$addToSet": ["s": 1]]) }
            await expectStoreError(.typeMismatch) { try await collection.updateOne(["_id": 1], ["$pull": ["s": 1]]) }
            #expect(try await TestData.document(1, in: collection) == ["_id": 1, "s": "text"])
        }
    }

    @Test(arguments: StoreBackend.all)
    func pullRemovesEveryEqualValue(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "tags": ["a", "b", "a", "c"], "nums": [1, 2.0, 3], "pairs": [[1, 2], [2, 1]]])
            _ = try await collection.updateOne(["_id": 1], ["$pull": ["tags": "a", "nums": 2, "pairs": [1, 2], "missing": 1]])
            let document = try await TestData.document(1, in: collection)
            #expect(document["tags"] == ["b", "c"])
            #expect(document["nums"] == [1, 3])
            #expect(document["pairs"] == [[2, 1]])
            #expect(document["missing"] == nil)
        }
    }

    @Test(arguments: StoreBackend.all)
    func pullWithQueryRemovesMatchingSubdocuments(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(
                [
                    ["_id": 1, "participants": ["d1", "d2"], "messages": [["to": "d1", "t": 1], ["to": "d2", "t": 2], ["to": "d1", "t": 3]]],
                    ["_id": 2, "participants": ["d1", "d3"], "messages": [["to": "d3", "t": 4]]],
                    ["_id": 3, "participants": ["d2", "d3"], "messages": [["to": "d1", "t": 5]]],
                ],
                into: collection
            )
            // The spec's drain: every channel the device takes part in loses the messages addressed to it.
            let result = try await collection.updateMany(["participants": "d1"], ["$pull": ["messages": ["to": "d1"]]])
            #expect(result == UpdateResult(matchedCount: 2, modifiedCount: 1))
            #expect(try await TestData.document(1, in: collection)["messages"] == [["to": "d2", "t": 2]])
            #expect(try await TestData.document(2, in: collection)["messages"] == [["to": "d3", "t": 4]])
            #expect(try await TestData.document(3, in: collection)["messages"] == [["to": "d1", "t": 5]])
        }
    }

    @Test(arguments: StoreBackend.all)
    func pullWithInOnSubdocumentFieldRemovesExactlyTheListedIds(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne([
                "_id": 1, "messages": [["id": "m1", "to": "d1"], ["id": "m2", "to": "d1"], ["id": "m3", "to": "d1"], ["id": "m4", "to": "d2"]],
            ])
            _ = try await collection.updateOne(["_id": 1], ["$pull": ["messages": ["id": ["$in": ["m1", "m3", "m9"]]]]])
            #expect(try await TestData.document(1, in: collection)["messages"] == [["id": "m2", "to": "d1"], ["id": "m4", "to": "d2"]])
        }
    }

    @Test(arguments: StoreBackend.all)
    func pullWithOperatorConditionRemovesMatchingScalars(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "scores": [1, 5, 7, 9], "tags": ["a", "b", "c"]])
            _ = try await collection.updateOne(["_id": 1], ["$pull": ["scores": ["$gte": 6], "tags": ["$in": ["a", "c"]]]])
            let document = try await TestData.document(1, in: collection)
            #expect(document["scores"] == [1, 5])
            #expect(document["tags"] == ["b"])
        }
    }

    @Test(arguments: StoreBackend.all)
    func pullOnDottedPathReachesNestedArrays(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "inbox": ["messages": [["to": "d1"], ["to": "d2"]], "owner": "x"]])
            _ = try await collection.updateOne(["_id": 1], ["$pull": ["inbox.messages": ["to": "d1"]]])
            #expect(try await TestData.document(1, in: collection)["inbox"] == ["messages": [["to": "d2"]], "owner": "x"])
        }
    }

    @Test(arguments: StoreBackend.all)
    func addToSetSkipsValuesAlreadyPresent(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "caps": ["relay"], "nums": [1], "docs": [["a": 1]]])
            let result = try await collection.updateOne(["_id": 1], ["$addToSet": ["caps": "relay", "nums": 1.0, "docs": ["a": 1]]])
            #expect(result.modifiedCount == 0)
            _ = try await collection.updateOne(["_id": 1], ["$addToSet": ["caps": "coordinator", "created": "x"]])
            let document = try await TestData.document(1, in: collection)
            #expect(document["caps"] == ["relay", "coordinator"])
            #expect(document["created"] == ["x"])
        }
    }

    @Test(arguments: StoreBackend.all)
    func addToSetEachAddsOnlyNewDistinctValues(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "caps": ["relay"]])
            _ = try await collection.updateOne(["_id": 1], ["$addToSet": ["caps": ["$each": ["store", "relay", "store", "coordinator"]]]])
            #expect(try await TestData.document(1, in: collection)["caps"] == ["relay", "store", "coordinator"])
        }
    }

    @Test(arguments: StoreBackend.all)
    func pullAllAndPopRemoveElements(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "a": [1, 2, 3, 2], "b": [1, 2, 3], "c": [1, 2, 3]])
            _ = try await collection.updateOne(["_id": 1], ["$pullAll": ["a": [2, 3]], "$pop": ["b": 1, "c": -1]])
            let document = try await TestData.document(1, in: collection)
            #expect(document["a"] == [1])
            #expect(document["b"] == [1, 2])
            #expect(document["c"] == [2, 3])
        }
    }
}
