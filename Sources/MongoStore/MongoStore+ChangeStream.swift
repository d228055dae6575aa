import CMongoc
import DocumentStore
import Foundation
import Synchronization

extension MongoStore: InsertWatchingStore {
    /// True when `hello` names a replica set (`setName`) or a mongos (`msg: isdbgrid`): change streams need one.
    public func supportsChangeStreams() async -> Bool {
        guard let hello = try? await runCommand(["hello": 1], database: "admin") else { return false }
        return hello["setName"] != nil || hello["msg"]?.stringValue == "isdbgrid"
    }

    /// A change stream on `collection` for inserts whose `fullDocument` matches `filter`'s fields.
    ///
    /// It holds one pooled client on a thread of its own for its whole life (so it does not take a thread of
    /// the store's pool), waking every 500 ms to notice cancellation and shutdown.
    public func watchInserts(into collection: String, matching filter: Document) -> AsyncThrowingStream<Document, any Error> {
        var match: Document = ["operationType": "insert"]
        for (key, value) in filter { match["fullDocument.\(key)"] = value }
        return connection.watch(collection: collection, pipeline: [["$match": .document(match)]])
    }
}

extension MongoConnection {
    /// Opens a change stream with `pipeline` on `collection` and yields each event's `fullDocument`.
    func watch(collection name: String, pipeline: [Document]) -> AsyncThrowingStream<Document, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Document, any Error>.makeStream()
        let stopped = StopFlag()
        continuation.onTermination = { _ in stopped.set() }
        guard beginWatcher() else {
            continuation.finish(throwing: StoreError(code: .unavailable, message: "the MongoDB store for \(uri.hostList) is shut down"))
            return stream
        }
        let pool = poolPointer
        let database = self.database
        let uri = self.uri
        Thread { [self] in
            defer { endWatcher() }
            guard let client = mongoc_client_pool_pop(pool.pointer) else {
                continuation.finish(throwing: StoreError(code: .internalError, message: "the MongoDB client pool returned no client"))
                return
            }
            defer { mongoc_client_pool_push(pool.pointer, client) }
            guard let collection = mongoc_client_get_collection(client, database, name) else {
                continuation.finish(throwing: StoreError(code: .internalError, message: "libmongoc returned no handle for collection '\(name)'"))
                return
            }
            defer { mongoc_collection_destroy(collection) }
            do {
                let pipelineBSON = try OwnedBSON(command: ["pipeline": .array(pipeline.map(Value.document))])
                let options = try OwnedBSON(command: ["maxAwaitTimeMS": 500])
                guard let changes = mongoc_collection_watch(collection, pipelineBSON.pointer, options.pointer) else {
                    throw StoreError(code: .internalError, message: "libmongoc returned no change stream for '\(name)'")
                }
                defer { mongoc_change_stream_destroy(changes) }
                var event: OpaquePointer?
                while !stopped.isSet, isOpenForWatchers {
                    if mongoc_change_stream_next(changes, &event) {
                        if let event, let document = try BSONDecoder.document(from: event)["fullDocument"]?.documentValue {
                            continuation.yield(document)
                        }
                        continue
                    }
                    var error = bson_error_t()
                    var reply: OpaquePointer?
                    if mongoc_change_stream_error_document(changes, &error, &reply) {
                        throw StoreError.mongo(
                            MongoFailure(error, reply: reply.flatMap { try? BSONDecoder.document(from: $0) }),
                            collection: name,
                            uri: uri
                        )
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }.start()
        return stream
    }
}

/// Set once, read from the watcher's thread.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
