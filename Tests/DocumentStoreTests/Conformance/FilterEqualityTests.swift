import DocumentStore
import Testing

/// Equality, membership and existence conditions, with MongoDB's array and null semantics.
@Suite struct FilterEqualityTests {
    static let mixed: [Document] = [
        ["_id": 1, "name": "alice", "tags": ["a", "b"], "n": 1],
        ["_id": 2, "name": "bob", "tags": ["b", "c"], "n": 2.0],
        ["_id": 3, "name": "carol", "tags": [["a", "b"]], "n": 2.5],
        ["_id": 4, "name": "dave", "n": nil],
        ["_id": 5, "name": "erin"],
    ]

    @Test(arguments: StoreBackend.all)
    func implicitEqualityMatchesScalarField(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(Self.mixed, into: collection)
            #expect(try await TestData.matchingIds(["name": "bob"], in: collection) == [2])
            #expect(try await TestData.matchingIds(["name": "zoe"], in: collection) == [])
        }
    }

    @Test(arguments: StoreBackend.all)
    func implicitEqualityMatchesArrayContainingValue(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(Self.mixed, into: collection)
            #expect(try await TestData.matchingIds(["tags": "b"], in: collection) == [1, 2])
            // Nested arrays are not searched element-wise.
            #expect(try await TestData.matchingIds(["tags": "a"], in: collection) == [1])
        }
    }

    @Test(arguments: StoreBackend.all)
    func implicitEqualityMatchesWholeArrayInOrder(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(Self.mixed, into: collection)
            // Whole-array equality, and an array element equal to the array (document 3).
            #expect(try await TestData.matchingIds(["tags": ["a", "b"]], in: collection) == [1, 3])
            #expect(try await TestData.matchingIds(["tags": ["b", "a"]], in: collection) == [])
        }
    }

    @Test(arguments: StoreBackend.all)
    func equalityOnEmbeddedDocumentIsExactAndOrderSensitive(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(
                [
                    ["_id": 1, "data": ["sdp": "x", "kind": "offer"]],
                    ["_id": 2, "data": ["kind": "offer", "sdp": "x"]],
                    ["_id": 3, "data": ["sdp": "x", "kind": "offer", "extra": true]],
                ],
                into: collection
            )
            #expect(try await TestData.matchingIds(["data": ["sdp": "x", "kind": "offer"]], in: collection) == [1])
            #expect(try await TestData.matchingIds(["data.kind": "offer"], in: collection) == [1, 2, 3])
        }
    }

    @Test(arguments: StoreBackend.all)
    func numbersCompareByValueAcrossIntegerAndDouble(backend: StoreBackend) async throws {
        try await backend.withCollection { collection, fixture in
            try await TestData.insert(Self.mixed, into: collection)
            #expect(try await TestData.matchingIds(["n": 2], in: collection) == [2])
            #expect(try await TestData.matchingIds(["n": 1.0], in: collection) == [1])
            #expect(try await TestData.matchingIds(["n": ["$gt": 1.5]], in: collection) == [2, 3])
            // Type bracketing: a numeric range matches neither the explicit null (4) nor the missing field (5).
            try await withKnownIssue(
                "mongoeco: no type bracketing; $lte 2 also matches n: null (null sorts before numbers in BSON order)",
                isIntermittent: false
            ) { () async throws in
                #expect(try await TestData.matchingIds(["n": ["$lte": 2]], in: collection) == [1, 2])
            } when: {
                fixture.isMongoeco
            }
        }
    }

    @Test(arguments: StoreBackend.all)
    func nullEqualityMatchesNullAndMissingFields(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(Self.mixed, into: collection)
            #expect(try await TestData.matchingIds(["n": nil], in: collection) == [4, 5])
            #expect(try await TestData.matchingIds(["n": ["$ne": nil]], in: collection) == [1, 2, 3])
        }
    }

    @Test(arguments: StoreBackend.all)
    func notEqualExcludesMatchesAndKeepsMissingFields(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(Self.mixed, into: collection)
            #expect(try await TestData.matchingIds(["n": ["$ne": 2]], in: collection) == [1, 3, 4, 5])
            // $ne on an array field excludes arrays containing the value.
            #expect(try await TestData.matchingIds(["tags": ["$ne": "b"]], in: collection) == [3, 4, 5])
        }
    }

    @Test(arguments: StoreBackend.all)
    func inAndNotInMatchAnyListedValue(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(Self.mixed, into: collection)
            #expect(try await TestData.matchingIds(["name": ["$in": ["alice", "erin", "nobody"]]], in: collection) == [1, 5])
            #expect(try await TestData.matchingIds(["tags": ["$in": ["c", "z"]]], in: collection) == [2])
            #expect(try await TestData.matchingIds(["n": ["$in": [nil]]], in: collection) == [4, 5])
            #expect(try await TestData.matchingIds(["name": ["$nin": ["alice", "bob"]]], in: collection) == [3, 4, 5])
            #expect(try await TestData.matchingIds(["name": ["$in": []]], in: collection) == [])
        }
    }

    @Test(arguments: StoreBackend.all)
    func existsDistinguishesMissingFromNull(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(Self.mixed, into: collection)
            #expect(try await TestData.matchingIds(["n": ["$exists": true]], in: collection) == [1, 2, 3, 4])
            #expect(try await TestData.matchingIds(["n": ["$exists": false]], in: collection) == [5])
            #expect(try await TestData.matchingIds(["tags": ["$exists": false]], in: collection) == [4, 5])
        }
    }

    @Test(arguments: StoreBackend.all)
    func dottedPathReachesIntoEmbeddedDocuments(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(
                [
                    ["_id": 1, "profile": ["address": ["city": "Lyon"]]],
                    ["_id": 2, "profile": ["address": ["city": "Oslo"]]],
                    ["_id": 3, "profile": "none"],
                ],
                into: collection
            )
            #expect(try await TestData.matchingIds(["profile.address.city": "Oslo"], in: collection) == [2])
            #expect(try await TestData.matchingIds(["profile.address.city": ["$exists": true]], in: collection) == [1, 2])
            #expect(try await TestData.matchingIds(["profile.address": ["city": "Lyon"]], in: collection) == [1])
        }
    }

    @Test(arguments: StoreBackend.all)
    func dottedPathFansOutOverArraysOfDocuments(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(
                [
                    ["_id": 1, "participants": ["d1", "d2"], "messages": [["to": "d2", "type": "offer"], ["to": "d1", "type": "answer"]]],
                    ["_id": 2, "participants": ["d2", "d3"], "messages": [["to": "d3", "type": "offer"]]],
                    ["_id": 3, "participants": ["d1", "d3"], "messages": []],
                ],
                into: collection
            )
            #expect(try await TestData.matchingIds(["messages.to": "d1"], in: collection) == [1])
            #expect(try await TestData.matchingIds(["participants": "d3", "messages.to": "d3"], in: collection) == [2])
            #expect(try await TestData.matchingIds(["messages.type": ["$in": ["answer"]]], in: collection) == [1])
        }
    }

    @Test(arguments: StoreBackend.all)
    func numericPathComponentIndexesIntoArrays(backend: StoreBackend) async throws {
        try await backend.withCollection { collection in
            try await TestData.insert(
                [
                    ["_id": 1, "tags": ["x", "y"], "messages": [["to": "d1"], ["to": "d2"]]],
                    ["_id": 2, "tags": ["y", "x"], "messages": [["to": "d2"]]],
                ],
                into: collection
            )
            #expect(try await TestData.matchingIds(["tags.0": "x"], in: collection) == [1])
            #expect(try await TestData.matchingIds(["messages.0.to": "d2"], in: collection) == [2])
        }
    }
}
