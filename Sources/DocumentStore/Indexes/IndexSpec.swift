/// One key of an index: a (dotted) field path and a direction.
public struct IndexKey: Sendable, Hashable {
    /// The field path, e.g. `"deviceId"` or `"messages.to"`.
    public var field: String
    /// The direction (only matters for sorting; lookups work either way).
    public var direction: SortDirection

    /// An index key; ascending by default.
    public init(_ field: String, _ direction: SortDirection = .ascending) {
        self.field = field
        self.direction = direction
    }
}

/// The specification of an index, as given to `createIndexes` and returned by `listIndexes`.
///
/// A unique index rejects a second document with the same key (a missing field counts as `null`,
/// as in MongoDB). With ``expireAfterSeconds`` on a single date field it is a TTL index: a
/// document expires once that date plus the delay is in the past (for an array of dates, the
/// earliest date counts).
///
/// ```swift
/// let byDevice = IndexSpec("deviceId", unique: true)                      // "deviceId_1"
/// let online = IndexSpec(keys: [IndexKey("networkId"), IndexKey("isOnline")])  // "networkId_1_isOnline_1"
/// let ttl = IndexSpec("expiresAt", expireAfterSeconds: 0)                  // "expiresAt_1"
/// ```
public struct IndexSpec: Sendable, Hashable {
    /// The keys, most significant first.
    public var keys: [IndexKey]
    /// Whether two documents may not share a key. Default: `false`.
    public var unique: Bool
    /// For a TTL index: seconds after the indexed date at which a document expires. Default: `nil`.
    public var expireAfterSeconds: Int?
    /// The index name. Default: MongoDB's, the keys and directions joined by `_` (`"networkId_1_isOnline_1"`).
    public var name: String

    /// An index over `keys`.
    public init(keys: [IndexKey], unique: Bool = false, expireAfterSeconds: Int? = nil, name: String? = nil) {
        self.keys = keys
        self.unique = unique
        self.expireAfterSeconds = expireAfterSeconds
        self.name = name ?? Self.defaultName(for: keys)
    }

    /// An index over ascending fields.
    public init(_ fields: String..., unique: Bool = false, expireAfterSeconds: Int? = nil, name: String? = nil) {
        self.init(keys: fields.map { IndexKey($0) }, unique: unique, expireAfterSeconds: expireAfterSeconds, name: name)
    }

    /// MongoDB's default index name: `field_1` / `field_-1` for each key, joined by `_`.
    public static func defaultName(for keys: [IndexKey]) -> String {
        keys.map { "\($0.field)_\($0.direction.rawValue)" }.joined(separator: "_")
    }

    /// The `_id_` index every collection has.
    public static var primary: IndexSpec {
        IndexSpec(keys: [IndexKey("_id")], unique: true, name: "_id_")
    }
}
