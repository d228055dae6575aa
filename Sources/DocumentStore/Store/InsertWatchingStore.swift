/// A store that can push inserts as they happen (MongoDB change streams on a replica set or sharded cluster).
///
/// ```swift
/// if let watching = store as? any InsertWatchingStore, await watching.supportsChangeStreams() {
///     for try await document in watching.watchInserts(into: "instance_inbox", matching: ["instance": "a"]) { … }
/// }
/// ```
public protocol InsertWatchingStore: DocumentDatabase {
    /// Whether the server can open change streams (a replica set member or a mongos; not a standalone server).
    func supportsChangeStreams() async -> Bool

    /// The documents inserted into `collection` from now on whose fields equal `filter`'s (top-level equality),
    /// until the stream is cancelled or the store shuts down; a server error ends it with a ``StoreError``.
    func watchInserts(into collection: String, matching filter: Document) -> AsyncThrowingStream<Document, any Error>
}
