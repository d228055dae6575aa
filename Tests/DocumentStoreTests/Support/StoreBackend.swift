import DocumentStore
import Foundation
import Testing

#if canImport(MongoTestSupport)
import MongoStore
import MongoTestSupport
#endif

/// A backend the conformance suite runs against. This is the only file that knows how to make
/// each backend; adding one (the MongoDB backend) is one entry in ``all`` plus its factory here.
struct StoreBackend: Sendable, CustomTestStringConvertible {
    /// A short name shown in test output, e.g. `memory`.
    let name: String
    /// Makes a fresh, isolated fixture for one test.
    let makeFixture: @Sendable () async throws -> StoreFixture

    var testDescription: String { name }

    /// Every backend the suite runs against.
    static var all: [StoreBackend] {
        #if canImport(MongoTestSupport)
        [.memory, .mongo]
        #else
        [.memory]  // built without the MongoDB pieces, as scripts/tsan-document-store.sh does
        #endif
    }

    /// The embedded engine, on a manual clock so TTL and `$currentDate` are deterministic.
    static let memory = StoreBackend(name: "memory") {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock)
        return StoreFixture(
            store: store,
            clock: clock,
            reapExpired: { await store.reapExpiredDocuments() },
            tearDown: { try await store.shutdown() }
        )
    }
}

#if canImport(MongoTestSupport)
extension StoreBackend {
    /// MongoDB through libmongoc: the server in `MONGODB_URI`, else mongoeco started for this test process
    /// (then ``StoreFixture/isMongoeco`` is set, and mongoeco's departures from MongoDB are known issues).
    /// Its TTL monitor runs on the server's own schedule, so there is no clock to move and no reap hook.
    static let mongo = StoreBackend(name: "mongodb") {
        let server = MongoTestServer.shared
        let isMongoeco = try await server.endpoint().isMongoeco
        let store = try await server.makeStore()
        return StoreFixture(
            store: store,
            clock: nil,
            reapExpired: nil,
            tearDown: { try await store.shutdown() },
            isMongoeco: isMongoeco
        )
    }
}
#endif

extension StoreBackend {
    /// Runs `body` with a fresh collection of a fresh fixture, then tears the fixture down.
    func withCollection(
        _ label: String = #function,
        _ body: (any DocumentCollection, StoreFixture) async throws -> Void
    ) async throws {
        let fixture = try await makeFixture()
        do {
            try await body(fixture.collection(label), fixture)
        } catch {
            try? await fixture.tearDown()
            throw error
        }
        try await fixture.tearDown()
    }

    /// Runs `body` with a fresh collection.
    func withCollection(_ label: String = #function, _ body: (any DocumentCollection) async throws -> Void) async throws {
        try await withCollection(label) { collection, _ in try await body(collection) }
    }
}
