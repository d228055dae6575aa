import DocumentStore
import Foundation
import Testing

/// The memory engine answers the app's queries through its indexes instead of scanning.
@Suite struct MemoryIndexUsageTests {
    /// 1000 device documents over 50 networks, with the spec's indexes on `devices`.
    static func devices() async throws -> (MemoryStore, MemoryCollection) {
        let store = MemoryStore(clock: ManualWallClock())
        let collection = store.memoryCollection("devices")
        try await collection.createIndexes([
            IndexSpec("deviceId", unique: true),
            IndexSpec("networkId", "isOnline"),
            IndexSpec("userId", "networkId"),
            IndexSpec("lastSeen"),
            IndexSpec("expiresAt", expireAfterSeconds: 0),
        ])
        for index in 0..<1000 {
            _ = try await collection.insertOne([
                "deviceId": .string("peer_\(index)"),
                "userId": .string("user_\(index % 200)"),
                "networkId": .string("net_\(index % 50)"),
                "isOnline": .bool((index / 50) % 2 == 0),
                "lastSeen": .date(TestData.baseDate.addingTimeInterval(Double(index))),
            ])
        }
        collection.resetStatistics()
        return (store, collection)
    }

    @Test func equalityOnAUniqueIndexExaminesOneDocument() async throws {
        let (_, devices) = try await Self.devices()
        let found = try await devices.findOne(["deviceId": "peer_417"])
        #expect(found?["userId"] == "user_17")
        #expect(devices.statistics.documentsExamined == 1)
        #expect(devices.statistics.lastPlan == .indexLookup(index: "deviceId_1", fields: 1, keys: 1))
        #expect(devices.statistics.collectionScans == 0)
    }

    @Test func compoundIndexAnswersBothFieldsAndItsPrefix() async throws {
        let (_, devices) = try await Self.devices()
        let online = try await devices.find(["networkId": "net_7", "isOnline": false])
        #expect(online.count == 10)
        #expect(devices.statistics.documentsExamined == 10)
        devices.resetStatistics()
        // The spec's peers query: equality prefix from the index, the date range checked per candidate.
        let cutoff = Value.date(TestData.baseDate.addingTimeInterval(500))
        let recent = try await devices.find(["networkId": "net_8", "isOnline": true, "lastSeen": ["$gte": cutoff]])
        #expect(recent.count == 5)
        #expect(devices.statistics.documentsExamined == 10)
        #expect(devices.statistics.lastPlan?.indexName == "networkId_1_isOnline_1")
        devices.resetStatistics()
        // Coordinators of a network: only the first field of the compound index applies.
        _ = try await devices.count(["networkId": "net_9", "isCoordinator": true])
        #expect(devices.statistics.lastPlan == .indexLookup(index: "networkId_1_isOnline_1", fields: 1, keys: 1))
        #expect(devices.statistics.documentsExamined == 20)
    }

    @Test func theMostSelectiveIndexWins() async throws {
        let (_, devices) = try await Self.devices()
        // user_3 has 5 devices, all in net_3; net_3 has 10 offline devices.
        let plan = try devices.explain(["userId": "user_3", "networkId": "net_3", "isOnline": false])
        #expect(plan == .indexLookup(index: "userId_1_networkId_1", fields: 2, keys: 1))
        #expect(try devices.explain(["deviceId": "peer_1", "networkId": "net_1", "isOnline": false]).indexName == "deviceId_1")
        #expect(try devices.explain(["networkId": "net_1", "isOnline": false, "userId": "user_1"]).indexName == "userId_1_networkId_1")
        #expect(try devices.explain(["_id": 5, "deviceId": "peer_1"]) == .idLookup(keys: 1))
    }

    @Test func inConditionsLookUpEachValue() async throws {
        let (_, devices) = try await Self.devices()
        let found = try await devices.find(["deviceId": ["$in": ["peer_1", "peer_2", "peer_x"]]])
        #expect(found.count == 2)
        #expect(devices.statistics.documentsExamined == 2)
        devices.resetStatistics()
        _ = try await devices.find(["networkId": ["$in": ["net_1", "net_2"]], "isOnline": ["$in": [true, false]]])
        #expect(devices.statistics.lastPlan == .indexLookup(index: "networkId_1_isOnline_1", fields: 2, keys: 4))
        #expect(devices.statistics.documentsExamined == 40)
    }

    @Test func conditionsWithoutAnIndexablePrefixScan() async throws {
        let (_, devices) = try await Self.devices()
        _ = try await devices.count(["isOnline": true])
        #expect(devices.statistics.lastPlan == .collectionScan)
        #expect(devices.statistics.documentsExamined == 1000)
        #expect(try devices.explain(["lastSeen": ["$lt": .date(TestData.baseDate)]]) == .collectionScan)
        #expect(try devices.explain(["deviceId": nil]) == .collectionScan)
        #expect(try devices.explain(["$or": [["deviceId": "peer_1"], ["deviceId": "peer_2"]]]) == .collectionScan)
    }

    @Test func updatesDeletesAndDistinctUseIndexesToo() async throws {
        let (_, devices) = try await Self.devices()
        _ = try await devices.updateOne(["deviceId": "peer_5"], ["$set": ["isOnline": false]], upsert: true)
        #expect(devices.statistics.documentsExamined == 1)
        _ = try await devices.updateMany(["networkId": "net_5", "isOnline": false], ["$set": ["isCoordinator": false]])
        #expect(devices.statistics.documentsExamined == 1 + 11)
        _ = try await devices.distinct("userId", filter: ["networkId": "net_6"])
        #expect(devices.statistics.documentsExamined == 1 + 11 + 20)
        #expect(try await devices.deleteMany(["networkId": "net_6", "isOnline": true]) == 10)
        #expect(devices.statistics.documentsExamined == 1 + 11 + 20 + 10)
        #expect(devices.statistics.collectionScans == 0)
    }

    /// An update moves the entries of the indexes whose fields it changed and leaves the others as they were: every
    /// index still finds the document under its new values and nothing under the old ones.
    @Test func anUpdateMovesOnlyTheIndexesOfTheFieldsItChanged() async throws {
        let (_, devices) = try await Self.devices()
        let later = TestData.baseDate.addingTimeInterval(86_400)
        _ = try await devices.updateOne(
            ["deviceId": "peer_7"],
            ["$set": ["lastSeen": .date(later), "networkId": "net_moved", "expiresAt": .date(later)]]
        )
        #expect(try await devices.find(["lastSeen": .date(later)]).map { $0["deviceId"] } == ["peer_7"])
        #expect(try await devices.find(["networkId": "net_moved", "isOnline": true]).map { $0["deviceId"] } == ["peer_7"])
        #expect(try await devices.find(["userId": "user_7", "networkId": "net_moved"]).map { $0["deviceId"] } == ["peer_7"])
        #expect(try await devices.find(["networkId": "net_7"]).count == 19)
        #expect(try await devices.find(["lastSeen": .date(TestData.baseDate.addingTimeInterval(7))]).isEmpty)
        #expect(try await devices.findOne(["deviceId": "peer_7"])?["networkId"] == "net_moved")
        #expect(devices.statistics.collectionScans == 0)
        // A unique key is still checked when it changes, and an update that keeps it is no conflict with itself.
        await #expect(throws: StoreError.self) {
            _ = try await devices.updateOne(["deviceId": "peer_8"], ["$set": ["deviceId": "peer_9"]])
        }
        _ = try await devices.updateOne(["deviceId": "peer_8"], ["$set": ["lastSeen": .date(later)]])
        #expect(try await devices.find(["lastSeen": .date(later)]).count == 2)
    }

    @Test func multikeyIndexFindsChannelsByParticipant() async throws {
        let store = MemoryStore()
        let channels = store.memoryCollection("signaling_channels")
        try await channels.createIndexes([IndexSpec("channelId"), IndexSpec("participants")])
        for index in 0..<300 {
            _ = try await channels.insertOne([
                "channelId": .string("d\(index)_d\(index + 1)"),
                "participants": [.string("d\(index)"), .string("d\(index + 1)")],
                "messages": [["to": .string("d\(index + 1)")]],
            ])
        }
        channels.resetStatistics()
        let pending = try await channels.find(["participants": "d42", "messages.to": "d42"])
        #expect(pending.map { $0["channelId"] } == ["d41_d42"])
        #expect(channels.statistics.lastPlan?.indexName == "participants_1")
        #expect(channels.statistics.documentsExamined == 2)
        _ = try await channels.updateMany(["participants": "d42"], ["$pull": ["messages": ["to": "d42"]]])
        #expect(channels.statistics.documentsExamined == 4)
        #expect(try await channels.count(["messages.to": "d42"]) == 0)
    }

    @Test func indexKeysNormaliseNumbers() async throws {
        let store = MemoryStore()
        let collection = store.memoryCollection("numbers")
        try await collection.createIndex(IndexSpec("n"))
        _ = try await collection.insertOne(["_id": 1, "n": 2])
        _ = try await collection.insertOne(["_id": 2, "n": 2.0])
        _ = try await collection.insertOne(["_id": 3, "n": 2.5])
        collection.resetStatistics()
        #expect(try await collection.count(["n": 2.0]) == 2)
        #expect(try await collection.count(["n": 2]) == 2)
        #expect(collection.statistics.documentsExamined == 4)
    }

    @Test func compoundIndexWithTwoArrayFieldsRejectsTheDocument() async throws {
        let store = MemoryStore()
        let collection = store.memoryCollection("parallel")
        try await collection.createIndex(IndexSpec("a", "b"))
        _ = try await collection.insertOne(["a": [1, 2], "b": 1])
        await expectStoreError(.invalidDocument) { try await collection.insertOne(["a": [1, 2], "b": [3, 4]]) }
        #expect(try await collection.count() == 1)
    }

    @Test func compoundTTLIndexesAreRejected() async throws {
        let store = MemoryStore()
        await expectStoreError(.invalidQuery) {
            try await store.collection("ttl").createIndex(IndexSpec("a", "b", expireAfterSeconds: 5))
        }
    }

    @Test func invalidCollectionNamesFailOnUse() async throws {
        let store = MemoryStore()
        await expectStoreError(.invalidQuery) { try await store.collection("").count() }
        await expectStoreError(.invalidQuery) { try await store.collection("a$b").insertOne([:]) }
    }
}
