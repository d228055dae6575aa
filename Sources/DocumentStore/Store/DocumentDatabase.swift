/// A database: a set of named collections behind one backend.
///
/// `MemoryStore` is the embedded engine; the MongoDB backend implements the same protocol and
/// passes the same conformance suite.
///
/// ```swift
/// let store: any DocumentDatabase = MemoryStore()
/// let devices = store.collection("devices")
/// try await store.ping()
/// ```
public protocol DocumentDatabase: Sendable {
    /// The collection named `name`, created on first use.
    func collection(_ name: String) -> any DocumentCollection

    /// Checks that the store can serve requests; throws ``StoreError/Code/unavailable`` when not.
    func ping() async throws

    /// Releases the backend's resources; later operations fail with ``StoreError/Code/unavailable``.
    func shutdown() async throws

    /// A short name of the backend for logs and health output, e.g. `"memory"` or `"mongodb"`.
    var backendName: String { get }
}
