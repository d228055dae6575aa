import DocumentStore
import Testing

/// findOneAndUpdate: which document, which version is returned, upserts.
@Suite struct FindOneAndUpdateTests {
    @Test(arguments: StoreBackend.all)
    func findOneAndUpdateReturnsTheDocumentBeforeByDefault(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "n": 1])
            let before = try await collection.findOneAndUpdate(["_id": 1], ["$inc": ["n": 1]])
            #expect(before == ["_id": 1, "n": 1])
            #expect(try await TestData.document(1, in: collection)["n"] == 2)
        }
    }

    @Test(arguments: StoreBackend.all)
    func findOneAndUpdateReturnsTheDocumentAfterWhenAsked(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1, "n": 1])
            let after = try await collection.findOneAndUpdate(["_id": 1], ["$inc": ["n": 1]], returnDocument: .after)
            #expect(after == ["_id": 1, "n": 2])
        }
    }

    @Test(arguments: StoreBackend.all)
    func findOneAndUpdateUpsertReturnsTheNewDocumentOrNil(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            let after = try await collection.findOneAndUpdate(
                ["name": "lease"],
                ["$set": ["owner": "a"]],
                upsert: true,
                returnDocument: .after
            )
            #expect(after?["name"] == "lease")
            #expect(after?["owner"] == "a")
            #expect(after?["_id"]?.objectIdValue != nil)
            let before = try await collection.findOneAndUpdate(["name": "other"], ["$set": ["owner": "b"]], upsert: true, returnDocument: .before)
            #expect(before == nil)
            #expect(try await collection.count() == 2)
        }
    }

    @Test(arguments: StoreBackend.all)
    func findOneAndUpdatePicksTheFirstDocumentInSortOrderAndProjects(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(
                [["_id": 1, "q": "a", "p": 5], ["_id": 2, "q": "a", "p": 9], ["_id": 3, "q": "a", "p": 7], ["_id": 4, "q": "b", "p": 99]],
                into: collection
            )
            let claimed = try await collection.findOneAndUpdate(
                ["q": "a"],
                ["$set": ["taken": true]],
                returnDocument: .after,
                sort: [SortKey("p", .descending)],
                projection: ["taken": 1, "p": 1, "_id": 0]
            )
            #expect(claimed == ["p": 9, "taken": true])
            #expect(try await TestData.matchingIds(["taken": true], in: collection) == [2])
        }
    }

    @Test(arguments: StoreBackend.all)
    func findOneAndUpdateWithoutAMatchReturnsNilAndChangesNothing(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": 1])
            #expect(try await collection.findOneAndUpdate(["_id": 2], ["$set": ["a": 1]], returnDocument: .after) == nil)
            #expect(try await collection.find() == [["_id": 1]])
        }
    }

    @Test(arguments: StoreBackend.all)
    func leaseIsTakenByExactlyOneConcurrentClaimer(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            _ = try await collection.insertOne(["_id": "sweep", "owner": nil, "until": 0])
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for worker in 0..<20 {
                    group.addTask {
                        let claimed = try await collection.findOneAndUpdate(
                            ["_id": "sweep", "owner": nil],
                            ["$set": ["owner": .string("w\(worker)"), "until": 60]],
                            returnDocument: .after
                        )
                        return claimed != nil
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(winners == 1)
        }
    }
}
