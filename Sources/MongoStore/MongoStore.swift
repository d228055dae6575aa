import CMongoc
import DocumentStore
import Logging

/// The MongoDB backend of ``DocumentDatabase``, through libmongoc.
///
/// A `mongoc_client_pool_t` of `poolSize` clients serves every collection; every blocking
/// libmongoc call runs on a dedicated thread pool of as many threads, never on an event loop or
/// Swift's cooperative pool. Collections have MongoDB's own semantics (the embedded engine,
/// ``MemoryStore``, mimics them), and failures map to ``StoreError``.
///
/// ```swift
/// let store = try await MongoStore.connect(uri: "mongodb://127.0.0.1:27017", database: "private_networks", logger: logger)
/// try await store.ping()                                   // .unavailable until the server answers
/// let devices = store.collection("devices")
/// try await devices.createIndexes([IndexSpec("deviceId", unique: true)])
/// _ = try await devices.updateOne(["deviceId": "peer_a"], ["$set": ["isOnline": true]], upsert: true)
/// try await store.shutdown()
/// ```
public final class MongoStore: DocumentDatabase {
    /// The database the collections live in.
    public let databaseName: String
    /// The hosts of the connection string as `host:port` (for logs; never with credentials).
    public var hosts: [String] { connection.uri.hosts }
    /// The connection string with its password replaced by `****`, for logs.
    public var redactedURI: String { connection.uri.redacted }

    let connection: MongoConnection

    private init(connection: MongoConnection) {
        self.connection = connection
        self.databaseName = connection.database
    }

    /// Creates a store for `database` on the deployment `uri` names.
    ///
    /// This validates the connection string and the database name and sets up the client pool;
    /// it does not contact the server (libmongoc connects lazily), so it succeeds while MongoDB is
    /// still starting. Call ``ping()`` to learn whether the server answers.
    ///
    /// ```swift
    /// let store = try await MongoStore.connect(uri: "mongodb://user:secret@db:27017/?replicaSet=rs0", database: "private_networks", logger: logger)
    /// ```
    ///
    /// - Parameters:
    ///   - uri: A `mongodb://` or `mongodb+srv://` connection string; its options (timeouts, TLS,
    ///     replica set, credentials) apply.
    ///   - database: The database name (not empty, none of `/\. "$`, at most 63 bytes).
    ///   - poolSize: How many clients (connections per server) and blocking threads. Default: 16.
    ///   - logger: Where the store logs; the password never appears.
    /// - Throws: ``StoreError/Code/unavailable`` for a malformed connection string, database name
    ///   or pool size. These are configuration mistakes: retrying does not help.
    public static func connect(uri: String, database: String, poolSize: Int = 16, logger: Logger) async throws -> MongoStore {
        MongocRuntime.ensureInitialized()
        try validateDatabaseName(database)
        let connection = try await MongoConnection.open(uri: uri, database: database, poolSize: poolSize, logger: logger)
        logger.info(
            "MongoStore configured",
            metadata: ["mongodb.hosts": "\(connection.uri.hostList)", "mongodb.database": "\(database)", "mongodb.poolSize": "\(poolSize)"]
        )
        return MongoStore(connection: connection)
    }

    /// The collection `name` of ``databaseName``; MongoDB creates it on the first write.
    public func collection(_ name: String) -> any DocumentCollection {
        MongoCollection(name: name, connection: connection)
    }

    /// Runs `{ping: 1}` against the server.
    ///
    /// - Throws: ``StoreError/Code/unavailable`` naming the hosts (never the password) when no
    ///   server answers within the connection string's `serverSelectionTimeoutMS` (default 30 s),
    ///   or after ``shutdown()``.
    public func ping() async throws {
        try await runCommand(["ping": 1], database: "admin")
    }

    /// Releases the client pool and its threads; later operations fail with
    /// ``StoreError/Code/unavailable``. Calling it again does nothing.
    public func shutdown() async throws {
        await connection.shutdown()
    }

    /// `"mongodb"`.
    public var backendName: String { "mongodb" }

    /// Drops the collection `name` with its indexes; dropping a missing collection does nothing.
    ///
    /// ```swift
    /// try await store.dropCollection("t_scratch")
    /// ```
    public func dropCollection(_ name: String) async throws {
        try await runCommand(["drop": .string(name)], database: databaseName, ignoring: [ServerCode.namespaceNotFound])
    }

    /// Drops ``databaseName`` with every collection in it (for tests and tools).
    public func dropDatabase() async throws {
        try await runCommand(["dropDatabase": 1], database: databaseName)
    }

    /// Runs a command on `database` and returns the server's reply; a server error whose code is
    /// in `ignoring` counts as success.
    @discardableResult
    func runCommand(_ command: Document, database: String, ignoring: Set<UInt32> = []) async throws -> Document {
        let uri = connection.uri
        return try await connection.withClient { client in
            let commandBSON = try OwnedBSON(command: command)
            let reply = ReplyBSON()
            var error = bson_error_t()
            guard mongoc_client_command_simple(client, database, commandBSON.pointer, nil, reply.pointer, &error) else {
                let failure = MongoFailure(error, reply: try? reply.decode())
                if failure.isServerError, ignoring.contains(failure.code) { return failure.reply ?? Document() }
                throw StoreError.mongo(failure, collection: nil, uri: uri)
            }
            return try reply.decode()
        }
    }

    private static func validateDatabaseName(_ name: String) throws {
        let forbidden: Set<Character> = ["/", "\\", ".", " ", "\"", "$", "\0"]
        guard !name.isEmpty, name.utf8.count < 64, !name.contains(where: forbidden.contains) else {
            throw StoreError(
                code: .unavailable,
                message: "invalid MongoDB database name '\(name)': it must be 1 to 63 bytes without / \\ . space \" $ or NUL"
            )
        }
    }
}
