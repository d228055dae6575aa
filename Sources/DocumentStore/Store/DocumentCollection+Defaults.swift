extension DocumentCollection {
    /// The first matching document in natural or `sort` order, optionally projected.
    ///
    /// ```swift
    /// let device = try await devices.findOne(["deviceId": "peer_a"])
    /// let freshest = try await devices.findOne(["userId": "u1"], sort: [SortKey("lastSeen", .descending)])
    /// ```
    public func findOne(_ filter: Filter = Filter(), sort: [SortKey] = [], projection: Document? = nil) async throws -> Document? {
        try await findOne(filter, options: FindOptions(sort: sort, projection: projection))
    }

    /// The matching documents, optionally sorted, skipped, limited and projected.
    ///
    /// ```swift
    /// let page = try await devices.find(["networkId": "n1"], sort: [SortKey("lastSeen", .descending)], limit: 50)
    /// ```
    public func find(
        _ filter: Filter = Filter(),
        sort: [SortKey] = [],
        limit: Int? = nil,
        skip: Int? = nil,
        projection: Document? = nil
    ) async throws -> [Document] {
        try await find(filter, options: FindOptions(sort: sort, limit: limit, skip: skip, projection: projection))
    }

    /// The number of documents in the collection.
    public func count() async throws -> Int {
        try await count(Filter())
    }

    /// The distinct values of `field` over the whole collection.
    public func distinct(_ field: String) async throws -> [Value] {
        try await distinct(field, filter: Filter())
    }

    /// Updates the first matching document (no upsert).
    public func updateOne(_ filter: Filter, _ update: Update) async throws -> UpdateResult {
        try await updateOne(filter, update, upsert: false)
    }

    /// Updates every matching document (no upsert).
    public func updateMany(_ filter: Filter, _ update: Update) async throws -> UpdateResult {
        try await updateMany(filter, update, upsert: false)
    }

    /// Atomically updates the first matching document and returns it; by default as it was
    /// before the update, like MongoDB.
    ///
    /// ```swift
    /// let claimed = try await jobs.findOneAndUpdate(
    ///     ["name": "sweep", "leaseUntil": ["$lt": .date(now)]],
    ///     ["$set": ["leaseUntil": .date(now + 30)]],
    ///     returnDocument: .after
    /// )
    /// ```
    public func findOneAndUpdate(
        _ filter: Filter,
        _ update: Update,
        upsert: Bool = false,
        returnDocument: ReturnDocument = .before,
        sort: [SortKey] = [],
        projection: Document? = nil
    ) async throws -> Document? {
        try await findOneAndUpdate(
            filter,
            update,
            upsert: upsert,
            returnDocument: returnDocument,
            options: FindOptions(sort: sort, projection: projection)
        )
    }

    /// Creates one index (see ``createIndexes(_:)``).
    public func createIndex(_ index: IndexSpec) async throws {
        try await createIndexes([index])
    }
}
