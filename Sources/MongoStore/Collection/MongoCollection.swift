import CMongoc
import DocumentStore

/// A collection of a ``MongoStore``: each operation is one libmongoc call (or command) on a pooled
/// client, run on the store's thread pool.
///
/// Filters, updates and projections are sent to the server as written, so their semantics are
/// MongoDB's own.
struct MongoCollection: DocumentCollection {
    /// The collection's name.
    let name: String
    let connection: MongoConnection

    func findOne(_ filter: Filter, options: FindOptions) async throws -> Document? {
        var options = options
        options.limit = 1
        return try await find(filter, options: options, singleBatch: true).first
    }

    func find(_ filter: Filter, options: FindOptions) async throws -> [Document] {
        try await find(filter, options: options, singleBatch: false)
    }

    func count(_ filter: Filter) async throws -> Int {
        let context = errorContext
        return try await connection.withCollection(name) { collection in
            let filterBSON = try OwnedBSON(operators: filter.document)
            let reply = ReplyBSON()
            var error = bson_error_t()
            let count = mongoc_collection_count_documents(collection, filterBSON.pointer, nil, nil, reply.pointer, &error)
            guard count >= 0 else { throw context.error(error, reply: reply) }
            return Int(count)
        }
    }

    func distinct(_ field: String, filter: Filter) async throws -> [Value] {
        let context = errorContext
        let command: Document = ["distinct": .string(name), "key": .string(field), "query": .document(filter.document)]
        let values = try await connection.withCollection(name) { collection in
            let commandBSON = try OwnedBSON(command: command)
            let reply = ReplyBSON()
            var error = bson_error_t()
            guard mongoc_collection_read_command_with_opts(collection, commandBSON.pointer, nil, nil, reply.pointer, &error) else {
                throw context.error(error, reply: reply)
            }
            return try reply.decode()["values"]?.arrayValue ?? []
        }
        // The server's order is unspecified; the contract is MongoDB's sort order, equal numbers once.
        var result: [Value] = []
        for value in values.sorted(by: { Value.compare($0, $1) < 0 }) where result.last.map({ Value.compare($0, value) != 0 }) ?? true {
            result.append(value)
        }
        return result
    }

    /// Runs a find with `options`; `singleBatch` closes the cursor after the first batch (findOne).
    private func find(_ filter: Filter, options: FindOptions, singleBatch: Bool) async throws -> [Document] {
        if let skip = options.skip, skip < 0 {
            throw StoreError(code: .invalidQuery, message: "skip must not be negative (got \(skip))", collection: name)
        }
        var findOptions = Document()
        if !options.sort.isEmpty { findOptions["sort"] = .document(Self.sortDocument(options.sort)) }
        if let skip = options.skip, skip > 0 { findOptions["skip"] = .int(Int64(skip)) }
        if let limit = options.limit, limit != 0 { findOptions["limit"] = .int(Int64(limit)) }
        if let projection = options.projection { findOptions["projection"] = .document(projection) }
        if singleBatch { findOptions["singleBatch"] = true }
        let context = errorContext
        return try await connection.withCollection(name) { [findOptions] collection in
            let filterBSON = try OwnedBSON(operators: filter.document)
            let optionsBSON = try OwnedBSON(command: findOptions)
            guard let cursor = mongoc_collection_find_with_opts(collection, filterBSON.pointer, optionsBSON.pointer, nil) else {
                throw StoreError(code: .internalError, message: "libmongoc returned no cursor", collection: context.collection)
            }
            defer { mongoc_cursor_destroy(cursor) }
            var documents: [Document] = []
            var current: OpaquePointer?
            while mongoc_cursor_next(cursor, &current) {
                if let current { documents.append(try BSONDecoder.document(from: current)) }
            }
            var error = bson_error_t()
            var errorReply: OpaquePointer?
            if mongoc_cursor_error_document(cursor, &error, &errorReply) {
                throw context.error(error, reply: errorReply.flatMap { try? BSONDecoder.document(from: $0) })
            }
            return documents
        }
    }

    /// `{field: 1 | -1, …}` in key order.
    static func sortDocument(_ keys: [SortKey]) -> Document {
        Document(keys.map { ($0.field, Value.int(Int64($0.direction.rawValue))) })
    }

    var errorContext: MongoErrorContext {
        MongoErrorContext(collection: name, uri: connection.uri)
    }
}

/// What an operation needs to turn a libmongoc error into a ``StoreError`` on a pool thread.
struct MongoErrorContext: Sendable {
    /// The collection the operation ran on.
    let collection: String
    /// The connection string's description (hosts, password redaction).
    let uri: MongoURI

    /// The ``StoreError`` for a failed call whose reply is in `reply`.
    func error(_ error: bson_error_t, reply: borrowing ReplyBSON, writing: Bool = false) -> StoreError {
        self.error(error, reply: try? reply.decode(), writing: writing)
    }

    /// The ``StoreError`` for a failed call with an already decoded reply.
    func error(_ error: bson_error_t, reply: Document?, writing: Bool = false) -> StoreError {
        StoreError.mongo(MongoFailure(error, reply: reply), collection: collection, uri: uri, writing: writing)
    }
}
