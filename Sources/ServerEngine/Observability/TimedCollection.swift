import DocumentStore

/// A collection that records each operation's latency in `store_operation_duration_seconds{backend,operation}`
/// and passes everything else through. ``EngineServices/collection(_:)`` hands these out, so handlers and jobs
/// are timed without knowing it.
struct TimedCollection: DocumentCollection {
    let base: any DocumentCollection
    let metrics: EngineMetrics
    let backend: String

    var name: String { base.name }

    private func timed<T: Sendable>(_ operation: String, _ body: () async throws -> T) async rethrows -> T {
        let clock = ContinuousClock()
        let start = clock.now
        defer { metrics.recordStoreOperation(backend: backend, operation: operation, duration: start.duration(to: clock.now)) }
        return try await body()
    }

    func insertOne(_ document: Document) async throws -> Value {
        try await timed("insertOne") { try await base.insertOne(document) }
    }

    func findOne(_ filter: Filter, options: FindOptions) async throws -> Document? {
        try await timed("findOne") { try await base.findOne(filter, options: options) }
    }

    func find(_ filter: Filter, options: FindOptions) async throws -> [Document] {
        try await timed("find") { try await base.find(filter, options: options) }
    }

    func count(_ filter: Filter) async throws -> Int {
        try await timed("count") { try await base.count(filter) }
    }

    func distinct(_ field: String, filter: Filter) async throws -> [Value] {
        try await timed("distinct") { try await base.distinct(field, filter: filter) }
    }

    func updateOne(_ filter: Filter, _ update: Update, upsert: Bool) async throws -> UpdateResult {
        try await timed("updateOne") { try await base.updateOne(filter, update, upsert: upsert) }
    }

    func updateMany(_ filter: Filter, _ update: Update, upsert: Bool) async throws -> UpdateResult {
        try await timed("updateMany") { try await base.updateMany(filter, update, upsert: upsert) }
    }

    func findOneAndUpdate(
        _ filter: Filter,
        _ update: Update,
        upsert: Bool,
        returnDocument: ReturnDocument,
        options: FindOptions
    ) async throws -> Document? {
        try await timed("findOneAndUpdate") {
            try await base.findOneAndUpdate(filter, update, upsert: upsert, returnDocument: returnDocument, options: options)
        }
    }

    func deleteOne(_ filter: Filter) async throws -> Int {
        try await timed("deleteOne") { try await base.deleteOne(filter) }
    }

    func deleteMany(_ filter: Filter) async throws -> Int {
        try await timed("deleteMany") { try await base.deleteMany(filter) }
    }

    func createIndexes(_ indexes: [IndexSpec]) async throws {
        try await timed("createIndexes") { try await base.createIndexes(indexes) }
    }

    func listIndexes() async throws -> [IndexSpec] {
        try await timed("listIndexes") { try await base.listIndexes() }
    }
}
