/// An error from a document store.
///
/// The ``code`` says what went wrong in a way callers can switch on; the ``message`` is a sentence
/// a user or operator can act on. Messages name collections, indexes and fields, never stored
/// values, credentials or connection strings.
///
/// ```swift
/// do {
///     _ = try await devices.insertOne(["deviceId": "peer_a"])
/// } catch let error as StoreError where error.code == .duplicateKey {
///     print(error.indexName ?? "?")  // "deviceId_1"
/// }
/// ```
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case duplicateKey
            case invalidQuery
            case typeMismatch
            case immutableField
            case invalidDocument
            case indexConflict
            case unavailable
            case internalError
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// A write would give two documents the same key in a unique index (MongoDB E11000, code 11000).
        /// Nothing was written by the failing operation.
        public static let duplicateKey = Code(.duplicateKey)
        /// A filter, update, projection, sort or index specification is malformed or uses an
        /// unsupported operator (MongoDB BadValue / FailedToParse / ConflictingUpdateOperators).
        public static let invalidQuery = Code(.invalidQuery)
        /// An update operator met a stored value of the wrong type, e.g. `$inc` on a string,
        /// `$push`/`$addToSet`/`$pull` on a non-array, or a path through a scalar (MongoDB
        /// TypeMismatch 14 and PathNotViable 28; MongoDB reports the array cases as BadValue 2,
        /// which a backend maps here by its message).
        public static let typeMismatch = Code(.typeMismatch)
        /// An update tried to change `_id` (MongoDB ImmutableField 66).
        public static let immutableField = Code(.immutableField)
        /// A document cannot be stored, e.g. an array `_id` (MongoDB BadValue 2) or two arrays in
        /// one compound index key (CannotIndexParallelArrays 171).
        public static let invalidDocument = Code(.invalidDocument)
        /// An index with this name or these keys already exists with different options
        /// (MongoDB IndexOptionsConflict 85, IndexKeySpecsConflict 86).
        public static let indexConflict = Code(.indexConflict)
        /// The store is shut down or cannot be reached.
        public static let unavailable = Code(.unavailable)
        /// An unexpected failure inside the store.
        public static let internalError = Code(.internalError)

        /// The code's name, e.g. `duplicateKey`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence describing the failure and, where possible, what to do about it.
    public var message: String
    /// The collection involved, when known.
    public var collection: String?
    /// For ``Code/duplicateKey`` and ``Code/indexConflict``: the index involved.
    public var indexName: String?

    /// Creates an error.
    public init(code: Code, message: String, collection: String? = nil, indexName: String? = nil) {
        self.code = code
        self.message = message
        self.collection = collection
        self.indexName = indexName
    }

    /// `code: message`, with the collection and index when known.
    public var description: String {
        var text = "\(code): \(message)"
        if let collection {
            text += " (collection: \(collection)" + (indexName.map { ", index: \($0))" } ?? ")")
        } else if let indexName {
            text += " (index: \(indexName))"
        }
        return text
    }
}

extension StoreError {
    static func invalidQuery(_ message: String) -> StoreError {
        StoreError(code: .invalidQuery, message: message)
    }

    static func typeMismatch(_ message: String) -> StoreError {
        StoreError(code: .typeMismatch, message: message)
    }

    func inCollection(_ name: String) -> StoreError {
        var copy = self
        if copy.collection == nil { copy.collection = name }
        return copy
    }
}
