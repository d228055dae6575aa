/// A collection of the memory engine. All state sits behind one lock, so each operation
/// (including `updateMany` and `findOneAndUpdate`) runs atomically with respect to the others.
/// Filters, updates and options are compiled before the lock is taken; sorting and projection
/// run after it is released.
package final class MemoryCollection: DocumentCollection {
    package let name: String
    private let state: LockedValue<CollectionState>
    private let context: MemoryStoreContext
    private let nameError: StoreError?

    init(name: String, context: MemoryStoreContext) {
        self.name = name
        self.state = LockedValue(CollectionState(name: name))
        self.context = context
        self.nameError = Self.validateName(name)
    }

    package func insertOne(_ document: Document) async throws -> Value {
        let prepared = try CollectionState.prepareForInsert(document)
        return try withState { try $0.insert(prepared) }
    }

    package func findOne(_ filter: Filter, options: FindOptions) async throws -> Document? {
        var single = options
        single.limit = 1
        return try await find(filter, options: single).first
    }

    package func find(_ filter: Filter, options: FindOptions) async throws -> [Document] {
        let expression = try FilterExpression(filter)
        let ordering = try DocumentOrdering(options.sort)
        let projection = try Projection.compile(options.projection)
        let skip = options.skip ?? 0
        guard skip >= 0 else { throw StoreError.invalidQuery("skip must not be negative").inCollection(name) }
        let limit = options.limit.flatMap { $0 == 0 ? nil : abs($0) }
        let earlyStop = ordering.isEmpty ? limit.map { $0 + skip } : nil
        let matches = try withState { $0.matchingDocuments(expression, limit: earlyStop) }
        var result = ordering.sorted(matches).dropFirst(skip)
        if let limit { result = result.prefix(limit) }
        guard let projection else { return Array(result) }
        return result.map(projection.apply(to:))
    }

    package func count(_ filter: Filter) async throws -> Int {
        let expression = try FilterExpression(filter)
        return try withState { $0.matchingSlots(expression).count }
    }

    package func distinct(_ field: String, filter: Filter) async throws -> [Value] {
        guard !field.isEmpty, !field.hasPrefix("$") else {
            throw StoreError.invalidQuery("distinct needs a field path, got '\(field)'").inCollection(name)
        }
        let expression = try FilterExpression(filter)
        let path = FieldPath(field)
        return try withState { $0.distinctValues(of: path, expression) }
    }

    package func updateOne(_ filter: Filter, _ update: Update, upsert: Bool) async throws -> UpdateResult {
        try self.update(filter, update, upsert: upsert, multi: false)
    }

    package func updateMany(_ filter: Filter, _ update: Update, upsert: Bool) async throws -> UpdateResult {
        try self.update(filter, update, upsert: upsert, multi: true)
    }

    private func update(_ filter: Filter, _ update: Update, upsert: Bool, multi: Bool) throws -> UpdateResult {
        let expression = try FilterExpression(filter)
        let plan = try UpdatePlan(update)
        let now = Timestamp(context.clock.now())
        return try withState { try $0.update(expression, plan, upsert: upsert, multi: multi, now: now) }
    }

    package func findOneAndUpdate(
        _ filter: Filter,
        _ update: Update,
        upsert: Bool,
        returnDocument: ReturnDocument,
        options: FindOptions
    ) async throws -> Document? {
        let expression = try FilterExpression(filter)
        let plan = try UpdatePlan(update)
        let ordering = try DocumentOrdering(options.sort)
        let projection = try Projection.compile(options.projection)
        let now = Timestamp(context.clock.now())
        let (before, after) = try withState {
            try $0.findAndUpdate(expression, plan, upsert: upsert, ordering: ordering, now: now)
        }
        let chosen = returnDocument == .before ? before : after
        guard let chosen, let projection else { return chosen }
        return projection.apply(to: chosen)
    }

    package func deleteOne(_ filter: Filter) async throws -> Int {
        let expression = try FilterExpression(filter)
        return try withState { $0.delete(expression, multi: false) }
    }

    package func deleteMany(_ filter: Filter) async throws -> Int {
        let expression = try FilterExpression(filter)
        return try withState { $0.delete(expression, multi: true) }
    }

    package func createIndexes(_ indexes: [IndexSpec]) async throws {
        try withState { try $0.createIndexes(indexes) }
    }

    package func listIndexes() async throws -> [IndexSpec] {
        try withState { $0.indexSpecs }
    }

    /// Deletes expired documents of the TTL indexes; returns how many.
    func reapExpired(now: Timestamp) -> Int {
        state.withLock { $0.reapExpired(now: now) }
    }

    /// The query counters of this collection.
    package var statistics: QueryStatistics {
        state.withLock { $0.statistics }
    }

    /// Resets the query counters.
    package func resetStatistics() {
        state.withLock { $0.statistics = QueryStatistics() }
    }

    /// The plan the engine would use for `filter`, without running it.
    package func explain(_ filter: Filter) throws -> QueryPlan {
        let expression = try FilterExpression(filter)
        return state.withLock { $0.plan(for: expression).plan }
    }

    /// Runs `body` on the state under the lock, after checking the store is open; errors name the collection.
    private func withState<Result: Sendable>(_ body: (inout CollectionState) throws -> Result) throws -> Result {
        if let nameError { throw nameError }
        try context.checkOpen()
        do {
            return try state.withLock { try body(&$0) }
        } catch let error as StoreError {
            throw error.inCollection(name)
        }
    }

    private static func validateName(_ name: String) -> StoreError? {
        if name.isEmpty || name.contains("$") || name.contains("\u{0}") || name.hasPrefix("system.") {
            return StoreError(
                code: .invalidQuery,
                message: "'\(name)' is not a valid collection name: it must be non-empty, without '$' or NUL, not starting with 'system.'"
            )
        }
        return nil
    }
}
