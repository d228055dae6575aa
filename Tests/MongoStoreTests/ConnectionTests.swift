import DocumentStore
import Foundation
import MongoStore
import MongoTestSupport
import Testing

/// Connecting, ping, shutdown, and what an unreachable or misconfigured server looks like.
@Suite struct ConnectionTests {
    @Test func pingSucceedsAgainstTheTestServer() async throws {
        let store = try await MongoTestServer.shared.makeStore()
        try await store.ping()
        #expect(store.backendName == "mongodb")
        try await store.shutdown()
    }

    @Test func shutdownMakesEveryOperationUnavailableAndIsIdempotent() async throws {
        let store = try await MongoTestServer.shared.makeStore()
        let collection = store.collection(MongoTestServer.uniqueName())
        _ = try await collection.insertOne(["a": 1])
        try await store.dropCollection(collection.name)
        try await store.shutdown()
        try await store.shutdown()
        let error = await expectStoreError(.unavailable) { try await store.ping() }
        #expect(error?.message.contains("shut down") == true)
        await expectStoreError(.unavailable) { try await collection.count() }
        await expectStoreError(.unavailable) { try await collection.insertOne(["a": 2]) }
    }

    @Test func unreachableServerIsUnavailableWithinTheSelectionTimeoutNamingTheHostNotThePassword() async throws {
        // Port 1 on loopback: nothing listens, connections are refused at once.
        let store = try await MongoStore.connect(
            uri: "mongodb://registry:s3cr3t-pw@127.0.0.1:1/?serverSelectionTimeoutMS=500&connectTimeoutMS=500",
            database: "unreachable",
            poolSize: 2,
            logger: MongoTestServer.logger
        )
        let started = ContinuousClock.now
        let error = await expectStoreError(.unavailable) { try await store.ping() }
        let elapsed = ContinuousClock.now - started
        // Bounded by the URI's 500 ms selection timeout, not libmongoc's default 30 s; the margin is for a loaded machine.
        #expect(elapsed < .seconds(25), "took \(elapsed)")
        let message = try #require(error?.description)
        #expect(message.contains("127.0.0.1:1"), "\(message)")
        #expect(!message.contains("s3cr3t-pw"), "\(message)")
        await expectStoreError(.unavailable) { try await store.collection("devices").findOne() }
        try await store.shutdown()
    }

    @Test func malformedConnectionStringFailsAtConnectWithoutThePassword() async throws {
        for uri in ["http://user:hunter2-secret@localhost", "mongodb://user:hunter2-secret@", "mongodb://user:hunter2-secret@host:99999"] {
            let error = await expectStoreError(.unavailable) {
                try await MongoStore.connect(uri: uri, database: "db", logger: MongoTestServer.logger)
            }
            let message = try #require(error?.description)
            #expect(message.contains("connection string"), "\(message)")
            #expect(!message.contains("hunter2-secret"), "\(message)")
        }
    }

    @Test func invalidDatabaseNameOrPoolSizeFailsAtConnect() async throws {
        for name in ["", "a.b", "a b", "a$b", "a/b", String(repeating: "x", count: 64)] {
            await expectStoreError(.unavailable) {
                try await MongoStore.connect(uri: "mongodb://127.0.0.1:1", database: name, logger: MongoTestServer.logger)
            }
        }
        await expectStoreError(.unavailable) {
            try await MongoStore.connect(uri: "mongodb://127.0.0.1:1", database: "db", poolSize: 0, logger: MongoTestServer.logger)
        }
    }

    @Test func redactedURIHidesThePasswordAndHostsAreListed() async throws {
        let store = try await MongoStore.connect(
            uri: "mongodb://app:p%40ss-word@db1.example:27017,db2.example:27018/?replicaSet=rs0",
            database: "db",
            logger: MongoTestServer.logger
        )
        #expect(store.hosts == ["db1.example:27017", "db2.example:27018"])
        #expect(store.redactedURI == "mongodb://app:****@db1.example:27017,db2.example:27018/?replicaSet=rs0")
        try await store.shutdown()
    }

    @Test func invalidCollectionNamesAreInvalidQueries() async throws {
        let store = try await MongoTestServer.shared.makeStore()
        await expectStoreError(.invalidQuery) { try await store.collection("").insertOne(["a": 1]) }
        await expectStoreError(.invalidQuery) { try await store.collection("nul\0name").count() }
        await expectStoreError(.invalidQuery) { try await store.collection("a$b").insertOne(["a": 1]) }
        await expectStoreError(.invalidQuery) { try await store.collection("system.users").find() }
        try await store.shutdown()
    }

    @Test func storesOnTheSameServerShareData() async throws {
        let first = try await MongoTestServer.shared.makeStore()
        let second = try await MongoTestServer.shared.makeStore()
        let name = MongoTestServer.uniqueName()
        _ = try await first.collection(name).insertOne(["_id": "shared"])
        #expect(try await second.collection(name).count(["_id": "shared"]) == 1)
        try await first.dropCollection(name)
        try await first.shutdown()
        try await second.shutdown()
    }
}
