import DocumentStore
import MongoStore
import MongoTestSupport
import Testing

/// Runs `body` with a fresh collection of a fresh store on the shared test server; afterwards
/// drops the collection and shuts the store down.
func withMongoCollection(
    _ label: String = #function,
    poolSize: Int = 4,
    _ body: (any DocumentCollection, MongoStore) async throws -> Void
) async throws {
    let store = try await MongoTestServer.shared.makeStore(poolSize: poolSize)
    let collection = store.collection(MongoTestServer.uniqueName(label))
    do {
        try await body(collection, store)
    } catch {
        try? await store.dropCollection(collection.name)
        try? await store.shutdown()
        throw error
    }
    try? await store.dropCollection(collection.name)
    try await store.shutdown()
}

/// Runs `body` with a fresh collection (see the two-argument form).
func withMongoCollection(_ label: String = #function, _ body: (any DocumentCollection) async throws -> Void) async throws {
    try await withMongoCollection(label) { collection, _ in try await body(collection) }
}

/// Runs `body`, expecting a ``StoreError`` with `code`; returns it.
@discardableResult
func expectStoreError<T>(
    _ code: StoreError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async -> StoreError? {
    do {
        _ = try await body()
        Issue.record("expected StoreError \(code), but the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as StoreError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected StoreError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Runs `body` as a known issue when the server is mongoeco and `reason` names what mongoeco lacks;
/// against a real MongoDB (`MONGODB_URI`) it runs as a normal test.
///
/// The known issue is not intermittent: if mongoeco starts behaving like MongoDB, the test fails
/// and the workaround can go.
func mongoecoLacks(
    _ reason: Comment,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async throws {
    let isMongoeco = try await MongoTestServer.shared.endpoint().isMongoeco
    if isMongoeco {
        await withKnownIssue("mongoeco: \(reason)", sourceLocation: sourceLocation) {
            try await body()
        }
    } else {
        try await body()
    }
}

/// The top-level fields of a document as a dictionary, for order-insensitive comparisons.
func fields(_ document: Document) -> [String: Value] {
    Dictionary(document.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
}
