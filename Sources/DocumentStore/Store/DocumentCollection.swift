/// A named collection of documents with MongoDB's semantics, implemented by every backend.
///
/// Each single-document write is atomic. Filters, updates and options follow MongoDB (see
/// ``Filter``, ``Update`` and ``FindOptions``); unique indexes are enforced on every write path and
/// a failing write changes nothing.
///
/// ```swift
/// let devices = store.collection("devices")
/// try await devices.createIndexes([IndexSpec("deviceId", unique: true)])
/// _ = try await devices.updateOne(["deviceId": "peer_a"], ["$set": ["isOnline": true]], upsert: true)
/// let online = try await devices.find(["networkId": "n1", "isOnline": true])
/// ```
public protocol DocumentCollection: Sendable {
    /// The collection's name.
    var name: String { get }

    /// Inserts a document and returns its `_id`, generating an ObjectId (placed first) when absent.
    /// Throws ``StoreError/Code/duplicateKey`` when the `_id` or a unique index key is taken.
    func insertOne(_ document: Document) async throws -> Value

    /// The first document matching `filter` in `options.sort` order (natural order when unsorted),
    /// after `options.skip`, projected by `options.projection`.
    func findOne(_ filter: Filter, options: FindOptions) async throws -> Document?

    /// The documents matching `filter`, sorted, skipped, limited and projected by `options`.
    func find(_ filter: Filter, options: FindOptions) async throws -> [Document]

    /// The number of documents matching `filter`.
    func count(_ filter: Filter) async throws -> Int

    /// The distinct values of `field` among documents matching `filter`, arrays flattened one
    /// level, in MongoDB's sort order; numerically equal numbers count once.
    func distinct(_ field: String, filter: Filter) async throws -> [Value]

    /// Updates the first matching document, or inserts one when none matches and `upsert` is set.
    func updateOne(_ filter: Filter, _ update: Update, upsert: Bool) async throws -> UpdateResult

    /// Updates every matching document, or inserts one when none matches and `upsert` is set.
    ///
    /// Each document is updated atomically, the whole call is not: as in MongoDB, a document
    /// that fails (duplicate key, type mismatch) stops the call with an error, documents updated
    /// before it stay updated and later ones are not touched.
    func updateMany(_ filter: Filter, _ update: Update, upsert: Bool) async throws -> UpdateResult

    /// Atomically updates the first document matching `filter` in `options.sort` order and
    /// returns it as it was before or after the update, projected by `options.projection`.
    /// With `upsert` and no match, inserts and returns the new document (`.after`) or `nil` (`.before`).
    func findOneAndUpdate(
        _ filter: Filter,
        _ update: Update,
        upsert: Bool,
        returnDocument: ReturnDocument,
        options: FindOptions
    ) async throws -> Document?

    /// Deletes the first matching document; returns how many were deleted (0 or 1).
    func deleteOne(_ filter: Filter) async throws -> Int

    /// Deletes every matching document; returns how many were deleted.
    func deleteMany(_ filter: Filter) async throws -> Int

    /// Creates indexes. Creating an identical index again does nothing; an index with the same
    /// name or keys but different options fails with ``StoreError/Code/indexConflict``; a unique
    /// index over existing duplicates fails with ``StoreError/Code/duplicateKey``. Either all
    /// indexes of the call are created or none.
    func createIndexes(_ indexes: [IndexSpec]) async throws

    /// The collection's indexes, `_id_` first.
    func listIndexes() async throws -> [IndexSpec]
}
