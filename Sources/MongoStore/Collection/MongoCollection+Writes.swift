import CMongoc
import DocumentStore
import Logging

extension MongoCollection {
    func insertOne(_ document: Document) async throws -> Value {
        // Generate the ObjectId here, as the drivers do, so it can be returned. `_id` goes first,
        // where the server would move it anyway.
        let id = document["_id"] ?? .objectId(ObjectId())
        let stored =
            document.keys.first == "_id" ? document : Document([("_id", id)] + document.lazy.filter { $0.key != "_id" }.map { ($0.key, $0.value) })
        let context = errorContext
        try await connection.withCollection(name) { collection in
            let documentBSON = try OwnedBSON(stored)
            // Leave field-name checks to the server, whose rules (MongoDB 5.0+) the store follows.
            let optionsBSON = try OwnedBSON(["validate": false])
            let reply = ReplyBSON()
            var error = bson_error_t()
            guard mongoc_collection_insert_one(collection, documentBSON.pointer, optionsBSON.pointer, reply.pointer, &error) else {
                throw context.error(error, reply: reply, writing: true)
            }
        }
        return id
    }

    func updateOne(_ filter: Filter, _ update: Update, upsert: Bool) async throws -> UpdateResult {
        try await performUpdate(filter, update, upsert: upsert, many: false)
    }

    func updateMany(_ filter: Filter, _ update: Update, upsert: Bool) async throws -> UpdateResult {
        try await performUpdate(filter, update, upsert: upsert, many: true)
    }

    func findOneAndUpdate(
        _ filter: Filter,
        _ update: Update,
        upsert: Bool,
        returnDocument: ReturnDocument,
        options: FindOptions
    ) async throws -> Document? {
        try validate(update)
        let context = errorContext
        let logger = connection.logger
        return try await connection.withCollection(name) { collection in
            let filterBSON = try OwnedBSON(operators: filter.document)
            let updateBSON = try OwnedBSON(operators: update.document)
            let sortBSON = try OwnedBSON(command: Self.sortDocument(options.sort))
            let projectionBSON = try OwnedBSON(command: options.projection ?? Document())
            guard let modifyOptions = mongoc_find_and_modify_opts_new() else {
                throw StoreError(code: .internalError, message: "libmongoc could not allocate findAndModify options", collection: context.collection)
            }
            defer { mongoc_find_and_modify_opts_destroy(modifyOptions) }
            // The setters copy their documents.
            _ = mongoc_find_and_modify_opts_set_update(modifyOptions, updateBSON.pointer)
            if !options.sort.isEmpty { _ = mongoc_find_and_modify_opts_set_sort(modifyOptions, sortBSON.pointer) }
            if options.projection != nil { _ = mongoc_find_and_modify_opts_set_fields(modifyOptions, projectionBSON.pointer) }
            var flags = MONGOC_FIND_AND_MODIFY_NONE.rawValue
            if upsert { flags |= MONGOC_FIND_AND_MODIFY_UPSERT.rawValue }
            if returnDocument == .after { flags |= MONGOC_FIND_AND_MODIFY_RETURN_NEW.rawValue }
            _ = mongoc_find_and_modify_opts_set_flags(modifyOptions, mongoc_find_and_modify_flags_t(flags))

            var attempt = 0
            while true {
                attempt += 1
                let reply = ReplyBSON()
                var error = bson_error_t()
                if mongoc_collection_find_and_modify_with_opts(collection, filterBSON.pointer, modifyOptions, reply.pointer, &error) {
                    return try reply.decode()["value"]?.documentValue
                }
                let failure = context.error(error, reply: reply)
                // Two concurrent upserts can both miss and both insert; the loser sees E11000 and,
                // as MongoDB's documentation recommends, retries once (it now finds the document).
                guard upsert, failure.code == .duplicateKey, attempt == 1 else { throw failure }
                logger.debug("retrying an upsert that lost a race", metadata: ["collection": "\(context.collection)"])
            }
        }
    }

    func deleteOne(_ filter: Filter) async throws -> Int {
        try await delete(filter, many: false)
    }

    func deleteMany(_ filter: Filter) async throws -> Int {
        try await delete(filter, many: true)
    }

    private func performUpdate(_ filter: Filter, _ update: Update, upsert: Bool, many: Bool) async throws -> UpdateResult {
        try validate(update)
        let context = errorContext
        let logger = connection.logger
        return try await connection.withCollection(name) { collection in
            let filterBSON = try OwnedBSON(operators: filter.document)
            let updateBSON = try OwnedBSON(operators: update.document)
            let optionsBSON = try OwnedBSON(["upsert": .bool(upsert)])
            var attempt = 0
            while true {
                attempt += 1
                let reply = ReplyBSON()
                var error = bson_error_t()
                let succeeded =
                    many
                    ? mongoc_collection_update_many(collection, filterBSON.pointer, updateBSON.pointer, optionsBSON.pointer, reply.pointer, &error)
                    : mongoc_collection_update_one(collection, filterBSON.pointer, updateBSON.pointer, optionsBSON.pointer, reply.pointer, &error)
                if succeeded {
                    let result = try reply.decode()
                    return UpdateResult(
                        matchedCount: Int(result["matchedCount"]?.intValue ?? 0),
                        modifiedCount: Int(result["modifiedCount"]?.intValue ?? 0),
                        upsertedId: result["upsertedId"]
                    )
                }
                let failure = context.error(error, reply: reply)
                // See findOneAndUpdate: a concurrent upsert that lost the insert race retries once.
                guard upsert, failure.code == .duplicateKey, attempt == 1 else { throw failure }
                logger.debug("retrying an upsert that lost a race", metadata: ["collection": "\(context.collection)"])
            }
        }
    }

    private func delete(_ filter: Filter, many: Bool) async throws -> Int {
        let context = errorContext
        return try await connection.withCollection(name) { collection in
            let filterBSON = try OwnedBSON(operators: filter.document)
            let reply = ReplyBSON()
            var error = bson_error_t()
            let succeeded =
                many
                ? mongoc_collection_delete_many(collection, filterBSON.pointer, nil, reply.pointer, &error)
                : mongoc_collection_delete_one(collection, filterBSON.pointer, nil, reply.pointer, &error)
            guard succeeded else { throw context.error(error, reply: reply) }
            return Int(try reply.decode()["deletedCount"]?.intValue ?? 0)
        }
    }

    /// An ``Update`` holds update operators only: a replacement document (or an empty one) would
    /// mean something else to the server (findAndModify replaces the document), so it is refused.
    private func validate(_ update: Update) throws {
        guard !update.document.isEmpty else {
            throw StoreError(code: .invalidQuery, message: "an update needs at least one update operator such as $set", collection: name)
        }
        if let key = update.document.keys.first(where: { !$0.hasPrefix("$") }) {
            throw StoreError(
                code: .invalidQuery,
                message:
                    "'\(key)' is not an update operator; an update may only use operators such as $set, $inc or $push (no replacement documents)",
                collection: name
            )
        }
    }
}
