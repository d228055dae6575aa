import CMongoc
import DocumentStore
import Logging
import NIOPosix
import Synchronization

/// A `mongoc_client_pool_t` and the threads that may block on it.
///
/// Every libmongoc call that can block (network I/O, server selection) runs on ``threadPool``, a
/// dedicated `NIOThreadPool` with one thread per pooled client, so no event loop and no thread of
/// Swift's cooperative pool ever waits on the network. Each operation pops a client, uses it and
/// pushes it back before its work item ends.
///
/// Shutting down stops the thread pool first (running work finishes, queued work is refused) and
/// only then destroys the client pool, so no libmongoc call can race the destruction.
final class MongoConnection: Sendable {
    /// The parsed connection string, for messages (never with the password).
    let uri: MongoURI
    /// The database every collection lives in.
    let database: String
    /// The store's logger.
    let logger: Logger

    private let pool: PoolHandle
    private let threadPool: NIOThreadPool
    private let isOpen: Mutex<Bool>
    /// Change streams running on threads of their own; shutdown waits for them before freeing the pool.
    private let watchers = Mutex(0)

    private init(uri: MongoURI, database: String, logger: Logger, pool: PoolHandle, threadPool: NIOThreadPool) {
        self.uri = uri
        self.database = database
        self.logger = logger
        self.pool = pool
        self.threadPool = threadPool
        self.isOpen = Mutex(true)
    }

    /// Starts the threads and creates the client pool on one of them (for a `mongodb+srv://`
    /// string libmongoc resolves DNS records there). Does not otherwise contact the server.
    static func open(uri: String, database: String, poolSize: Int, logger: Logger) async throws -> MongoConnection {
        guard poolSize >= 1 else {
            throw StoreError(code: .unavailable, message: "the MongoDB pool size must be at least 1 (got \(poolSize))")
        }
        MongocRuntime.ensureInitialized()
        let threadPool = NIOThreadPool(numberOfThreads: poolSize)
        threadPool.start()
        do {
            let (pool, parsed) = try await threadPool.runIfActive { () throws -> (PoolHandle, MongoURI) in
                let (uriHandle, parsed) = try MongoURI.parse(uri)
                defer { mongoc_uri_destroy(uriHandle) }
                var error = bson_error_t()
                guard let pool = mongoc_client_pool_new_with_error(uriHandle, &error) else {
                    throw StoreError(
                        code: .unavailable,
                        message: "cannot create a MongoDB client pool for \(parsed.hostList): \(parsed.redact(MongoFailure(error).message))"
                    )
                }
                mongoc_client_pool_set_error_api(pool, MONGOC_ERROR_API_VERSION_2)
                mongoc_client_pool_max_size(pool, UInt32(clamping: poolSize))
                return (PoolHandle(pointer: pool), parsed)
            }
            return MongoConnection(uri: parsed, database: database, logger: logger, pool: pool, threadPool: threadPool)
        } catch {
            try? await threadPool.shutdownGracefully()
            throw error
        }
    }

    deinit {
        // A store dropped without shutdown(): stop the threads, then free the pool, off this thread.
        let stillOpen = isOpen.withLock { open in
            defer { open = false }
            return open
        }
        guard stillOpen else { return }
        logger.warning("MongoStore released without shutdown(); closing its connection pool")
        let pool = self.pool
        threadPool.shutdownGracefully { _ in
            mongoc_client_pool_destroy(pool.pointer)
        }
    }

    /// Runs `body` with a pooled client on the store's thread pool.
    ///
    /// - Throws: ``StoreError/Code/unavailable`` after ``shutdown()``; otherwise what `body` throws.
    func withClient<T: Sendable>(_ body: @escaping @Sendable (_ client: OpaquePointer) throws -> T) async throws -> T {
        guard isOpen.withLock({ $0 }) else { throw closedError }
        let pool = self.pool
        do {
            return try await threadPool.runIfActive {
                guard let client = mongoc_client_pool_pop(pool.pointer) else {
                    throw StoreError(code: .internalError, message: "the MongoDB client pool returned no client")
                }
                defer { mongoc_client_pool_push(pool.pointer, client) }
                return try body(client)
            }
        } catch is CancellationError where !isOpen.withLock({ $0 }) {
            throw closedError
        }
    }

    /// Runs `body` with the collection `name` of the store's database (see ``withClient(_:)``).
    func withCollection<T: Sendable>(
        _ name: String,
        _ body: @escaping @Sendable (_ collection: OpaquePointer) throws -> T
    ) async throws -> T {
        // MongoDB's naming rules, checked here so the message is clear whatever the server says.
        guard !name.isEmpty, !name.utf8.contains(0), !name.contains("$"), !name.hasPrefix("system.") else {
            throw StoreError(
                code: .invalidQuery,
                message:
                    "invalid collection name '\(name.replacing("\0", with: "\\0"))': it must be non-empty, without '$' or NUL, and not start with 'system.'",
                collection: name
            )
        }
        let database = self.database
        return try await withClient { client in
            guard let collection = mongoc_client_get_collection(client, database, name) else {
                throw StoreError(code: .internalError, message: "libmongoc returned no handle for collection '\(name)'")
            }
            defer { mongoc_collection_destroy(collection) }
            return try body(collection)
        }
    }

    /// Stops the threads (letting running operations finish) and releases the client pool.
    /// Later operations fail with ``StoreError/Code/unavailable``. Calling it again does nothing.
    func shutdown() async {
        let wasOpen = isOpen.withLock { open in
            defer { open = false }
            return open
        }
        guard wasOpen else { return }
        do {
            try await threadPool.shutdownGracefully()
        } catch {
            logger.warning("MongoStore thread pool did not shut down cleanly: \(error)")
        }
        // Change streams notice the shutdown within their 500 ms await; their clients must be back first.
        let deadline = ContinuousClock.now + .seconds(5)
        while watchers.withLock({ $0 }) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        guard watchers.withLock({ $0 }) == 0 else {
            logger.warning("a MongoDB change stream did not stop; leaving the client pool allocated")
            return
        }
        mongoc_client_pool_destroy(pool.pointer)
        logger.debug("MongoStore closed", metadata: ["mongodb.hosts": "\(uri.hostList)"])
    }

    /// The client pool, for change streams that hold a client on a thread of their own.
    var poolPointer: PoolHandle { pool }

    /// Whether the store is open (change streams stop when it is not).
    var isOpenForWatchers: Bool { isOpen.withLock { $0 } }

    /// Counts a change stream in; false when the store is shut down.
    func beginWatcher() -> Bool {
        isOpen.withLock { open in
            guard open else { return false }
            watchers.withLock { $0 += 1 }
            return true
        }
    }

    /// Counts a change stream out.
    func endWatcher() { watchers.withLock { $0 -= 1 } }

    private var closedError: StoreError {
        StoreError(code: .unavailable, message: "the MongoDB store for \(uri.hostList) is shut down")
    }
}

/// The client pool pointer. libmongoc documents `mongoc_client_pool_t` as thread-safe (pop and
/// push may be called from any thread), which is what makes sharing it sound.
struct PoolHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
