import CMongoc
import DocumentStore

extension MongoCollection {
    func createIndexes(_ indexes: [IndexSpec]) async throws {
        guard !indexes.isEmpty else { return }
        for index in indexes {
            try validate(index)
        }
        let command: Document = ["createIndexes": .string(name), "indexes": .array(indexes.map { .document(Self.indexDocument($0)) })]
        let context = errorContext
        try await connection.withCollection(name) { collection in
            // Compare with the existing indexes first, to say exactly what differs; the server
            // checks again (IndexOptionsConflict / IndexKeySpecsConflict) in case of a race.
            let existing = try Self.listIndexes(collection, context: context)
            if let conflict = Self.describeConflict(requested: indexes, existing: existing, collection: context.collection) {
                throw conflict
            }
            let commandBSON = try OwnedBSON(command: command)
            let reply = ReplyBSON()
            var error = bson_error_t()
            if mongoc_collection_write_command_with_opts(collection, commandBSON.pointer, nil, reply.pointer, &error) { return }
            let failure = context.error(error, reply: reply)
            guard failure.code == .indexConflict else { throw failure }
            let current = (try? Self.listIndexes(collection, context: context)) ?? []
            throw Self.describeConflict(requested: indexes, existing: current, collection: context.collection) ?? failure
        }
    }

    /// MongoDB's rules for the options ``IndexSpec`` has: at least one key, a TTL between 0 and
    /// 2^31-1 seconds on a single field.
    private func validate(_ index: IndexSpec) throws {
        func invalid(_ message: String) -> StoreError {
            StoreError(code: .invalidQuery, message: "index '\(index.name)' \(message)", collection: name, indexName: index.name)
        }
        if index.keys.isEmpty { throw invalid("has no keys") }
        if index.name.isEmpty { throw invalid("needs a name") }
        if let seconds = index.expireAfterSeconds {
            guard (0...Int(Int32.max)).contains(seconds) else {
                throw invalid("has expireAfterSeconds \(seconds); MongoDB accepts 0 to 2147483647")
            }
            guard index.keys.count == 1 else { throw invalid("is a TTL index on several fields; a TTL index has exactly one field") }
        }
    }

    func listIndexes() async throws -> [IndexSpec] {
        let context = errorContext
        return try await connection.withCollection(name) { collection in
            try Self.listIndexes(collection, context: context)
        }
    }

    /// The `listIndexes` result, `_id_` first. A collection that does not exist yet has only the
    /// `_id_` index MongoDB will create with it (libmongoc turns NamespaceNotFound into no rows).
    static func listIndexes(_ collection: OpaquePointer, context: MongoErrorContext) throws -> [IndexSpec] {
        guard let cursor = mongoc_collection_find_indexes_with_opts(collection, nil) else {
            throw StoreError(code: .internalError, message: "libmongoc returned no cursor", collection: context.collection)
        }
        defer { mongoc_cursor_destroy(cursor) }
        var specs: [IndexSpec] = []
        var current: OpaquePointer?
        while mongoc_cursor_next(cursor, &current) {
            if let current { specs.append(indexSpec(try BSONDecoder.document(from: current))) }
        }
        var error = bson_error_t()
        var errorReply: OpaquePointer?
        if mongoc_cursor_error_document(cursor, &error, &errorReply) {
            throw context.error(error, reply: errorReply.flatMap { try? BSONDecoder.document(from: $0) })
        }
        if specs.isEmpty { return [IndexSpec.primary] }
        let primary = specs.filter { $0.name == IndexSpec.primary.name }
        return primary + specs.filter { $0.name != IndexSpec.primary.name }
    }

    /// The `createIndexes` entry for `spec`.
    static func indexDocument(_ spec: IndexSpec) -> Document {
        var document: Document = [
            "key": .document(Document(spec.keys.map { ($0.field, Value.int(Int64($0.direction.rawValue))) })),
            "name": .string(spec.name),
        ]
        // The _id index is always unique, and MongoDB rejects an explicit `unique` for it.
        if spec.unique, !isPrimaryKey(spec.keys) { document["unique"] = true }
        if let seconds = spec.expireAfterSeconds { document["expireAfterSeconds"] = .int(Int64(seconds)) }
        return document
    }

    /// An ``IndexSpec`` from a `listIndexes` entry. Non-numeric key types (`"text"`, `"hashed"`,
    /// `"2dsphere"`) have no ``SortDirection`` and read as ascending.
    static func indexSpec(_ document: Document) -> IndexSpec {
        let keys = (document["key"]?.documentValue ?? Document()).map { key, value in
            IndexKey(key, (value.doubleValue ?? 1) < 0 ? .descending : .ascending)
        }
        let name = document["name"]?.stringValue ?? IndexSpec.defaultName(for: keys)
        let unique = document["unique"]?.boolValue ?? ((document["unique"]?.doubleValue ?? 0) != 0)
        let ttl = document["expireAfterSeconds"]?.doubleValue.map { Int($0.rounded(.down)) }
        return IndexSpec(keys: keys, unique: unique || name == IndexSpec.primary.name, expireAfterSeconds: ttl, name: name)
    }

    private static func isPrimaryKey(_ keys: [IndexKey]) -> Bool {
        keys.count == 1 && keys[0].field == "_id"
    }

    /// An ``StoreError/Code/indexConflict`` naming the requested index and what differs from
    /// the existing one; `nil` when every requested index is new or identical to an existing one.
    static func describeConflict(requested: [IndexSpec], existing: [IndexSpec], collection: String) -> StoreError? {
        for spec in requested {
            if let current = existing.first(where: { $0.name == spec.name }), !equivalent(current, spec) {
                var differences: [String] = []
                if current.keys != spec.keys {
                    differences.append("keys \(describe(current.keys)) (requested \(describe(spec.keys)))")
                }
                if current.unique != spec.unique, !isPrimaryKey(spec.keys) {
                    differences.append("unique: \(current.unique) (requested \(spec.unique))")
                }
                if current.expireAfterSeconds != spec.expireAfterSeconds {
                    differences.append(
                        "expireAfterSeconds: \(current.expireAfterSeconds.map(String.init) ?? "none") (requested \(spec.expireAfterSeconds.map(String.init) ?? "none"))"
                    )
                }
                return conflict(
                    "index '\(spec.name)' already exists with \(differences.joined(separator: ", ")); drop it or change the requested index",
                    index: spec.name,
                    collection: collection
                )
            }
            if let current = existing.first(where: { $0.keys == spec.keys && $0.name != spec.name }) {
                return conflict(
                    "an index on \(describe(spec.keys)) already exists as '\(current.name)'; the request names it '\(spec.name)'. "
                        + "Use the existing name or drop '\(current.name)'",
                    index: spec.name,
                    collection: collection
                )
            }
        }
        return nil
    }

    private static func equivalent(_ lhs: IndexSpec, _ rhs: IndexSpec) -> Bool {
        lhs.keys == rhs.keys && (lhs.unique == rhs.unique || isPrimaryKey(lhs.keys)) && lhs.expireAfterSeconds == rhs.expireAfterSeconds
    }

    private static func describe(_ keys: [IndexKey]) -> String {
        "{" + keys.map { "\($0.field): \($0.direction.rawValue)" }.joined(separator: ", ") + "}"
    }

    private static func conflict(_ message: String, index: String, collection: String) -> StoreError {
        StoreError(code: .indexConflict, message: message, collection: collection, indexName: index)
    }
}
