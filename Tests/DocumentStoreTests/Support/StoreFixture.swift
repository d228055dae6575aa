import DocumentStore
import Foundation

/// One test's view of a backend: the store, and the hooks a backend may or may not offer.
struct StoreFixture: Sendable {
    /// The store under test.
    let store: any DocumentDatabase
    /// The clock the store reads, when tests can move it (`nil` for a real server).
    let clock: ManualWallClock?
    /// Runs one TTL pass now, when the backend allows it (`nil` where a server-side monitor
    /// runs on its own schedule, as MongoDB's every 60 s).
    let reapExpired: (@Sendable () async throws -> Int)?
    /// Releases the fixture (drops data on a real server).
    let tearDown: @Sendable () async throws -> Void
    /// Whether the backend is mongoeco, the Python stand-in for MongoDB (default `false`). Tests wrap
    /// the expectations where mongoeco departs from MongoDB's documented behaviour in
    /// `withKnownIssue(…) when: { fixture.isMongoeco }`, so they stay real assertions on the memory
    /// engine and on a real MongoDB (`MONGODB_URI`). Write the body as `{ () async throws in … }`: a
    /// `try` inside `#expect(…)` alone does not make the closure throwing.
    var isMongoeco: Bool = false

    /// A collection with a name unique to this test run.
    func collection(_ label: String) -> any DocumentCollection {
        let base = label.prefix { $0.isLetter || $0.isNumber }.prefix(40)
        let suffix = UUID().uuidString.prefix(8).lowercased()
        return store.collection("t_\(base)_\(suffix)")
    }
}
