import DocumentStore
import Foundation

/// One test's view of a backend: the store, and the hooks a backend may or may not offer.
struct StoreFixture: Sendable {
    /// The store under test.
    let store: any DocumentStore
    /// The clock the store reads, when tests can move it (`nil` for a real server).
    let clock: ManualWallClock?
    /// Runs one TTL pass now, when the backend allows it (`nil` where a server-side monitor
    /// runs on its own schedule, as MongoDB's every 60 s).
    let reapExpired: (@Sendable () async throws -> Int)?
    /// Releases the fixture (drops data on a real server).
    let tearDown: @Sendable () async throws -> Void

    /// A collection with a name unique to this test run.
    func collection(_ label: String) -> any DocumentCollection {
        let base = label.prefix { $0.isLetter || $0.isNumber }.prefix(40)
        let suffix = UUID().uuidString.prefix(8).lowercased()
        return store.collection("t_\(base)_\(suffix)")
    }
}
