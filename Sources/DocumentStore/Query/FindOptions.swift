/// The order of one sort key.
public enum SortDirection: Int, Sendable, Hashable {
    /// Smallest first (MongoDB `1`).
    case ascending = 1
    /// Largest first (MongoDB `-1`).
    case descending = -1
}

/// One key of a sort: a (dotted) field path and a direction.
///
/// ```swift
/// let newestFirst = SortKey("lastSeen", .descending)
/// ```
public struct SortKey: Sendable, Hashable {
    /// The field path, e.g. `"lastSeen"` or `"profile.name"`.
    public var field: String
    /// The direction.
    public var direction: SortDirection

    /// A sort key; ascending by default.
    public init(_ field: String, _ direction: SortDirection = .ascending) {
        self.field = field
        self.direction = direction
    }
}

/// Options of a query: sort, skip, limit and projection.
///
/// Sort is applied first (MongoDB's cross-type order; an array sorts by its smallest element
/// ascending and its largest descending), then skip, then limit.
///
/// ```swift
/// let options = FindOptions(sort: [SortKey("lastSeen", .descending)], limit: 10, projection: ["deviceId": 1, "_id": 0])
/// ```
public struct FindOptions: Sendable, Hashable {
    /// Sort keys, most significant first. Default: none (natural order).
    public var sort: [SortKey]
    /// The maximum number of documents to return; `nil` or `0` means no limit. Default: `nil`.
    public var limit: Int?
    /// The number of matching documents to skip; must not be negative. Default: `nil`.
    public var skip: Int?
    /// A MongoDB projection: inclusion (`["a": 1]`) or exclusion (`["a": 0]`); `_id` is included
    /// unless excluded explicitly. Default: `nil` (whole documents).
    public var projection: Document?

    /// Options; every field defaults to "not set".
    public init(sort: [SortKey] = [], limit: Int? = nil, skip: Int? = nil, projection: Document? = nil) {
        self.sort = sort
        self.limit = limit
        self.skip = skip
        self.projection = projection
    }
}

/// Which version of the document `findOneAndUpdate` returns.
public enum ReturnDocument: Sendable, Hashable {
    /// The document as it was before the update (`nil` when the call inserted it).
    case before
    /// The document as updated or inserted.
    case after
}

/// The outcome of `updateOne` / `updateMany`.
public struct UpdateResult: Sendable, Equatable {
    /// How many documents matched the filter.
    public var matchedCount: Int
    /// How many documents were actually changed (an update that sets the current values changes nothing).
    public var modifiedCount: Int
    /// The `_id` of the inserted document when an upsert inserted one.
    public var upsertedId: Value?

    /// A result.
    public init(matchedCount: Int, modifiedCount: Int, upsertedId: Value? = nil) {
        self.matchedCount = matchedCount
        self.modifiedCount = modifiedCount
        self.upsertedId = upsertedId
    }
}
