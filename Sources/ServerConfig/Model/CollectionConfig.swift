/// A document collection and its indexes, from the `collections:` section of routes.yaml.
///
/// ```yaml
/// collections:
///   devices:
///     indexes:
///       - keys: { deviceId: 1 }
///         unique: true
///       - keys: { expiresAt: 1 }
///         expireAfterSeconds: 0
///         ttl: deviceRetention
/// ```
public struct CollectionConfig: Sendable, Equatable {
    /// The collection name, such as `devices`.
    public var name: String
    /// Indexes created at start-up (idempotently).
    public var indexes: [IndexConfig]
    /// Where the collection is written.
    public var location: SourceLocation

    /// Creates a collection configuration.
    public init(name: String, indexes: [IndexConfig], location: SourceLocation) {
        self.name = name
        self.indexes = indexes
        self.location = location
    }

    /// The TTL name from limits.yaml that stamps this collection's expiry field, if a TTL index names one.
    public var ttlName: String? { indexes.lazy.compactMap(\.ttl).first }
}

/// One index of a collection.
public struct IndexConfig: Sendable, Equatable {
    /// One key of an index.
    public struct Key: Sendable, Equatable {
        /// Field path, such as `networkId` or `messages.to`.
        public var field: String
        /// 1 for ascending, -1 for descending.
        public var direction: Int

        /// Creates a key.
        public init(field: String, direction: Int) {
            self.field = field
            self.direction = direction
        }
    }

    /// Keys in order (compound when more than one).
    public var keys: [Key]
    /// Reject a second document with the same key values. Default false.
    public var unique: Bool
    /// Makes this a TTL index: documents are deleted this many seconds after the date in the (single) key.
    public var expireAfterSeconds: Int?
    /// For a TTL index: the name of the TTL in limits.yaml that handlers add to "now" when they write the date field.
    public var ttl: String?
    /// Explicit index name; default MongoDB's (`networkId_1_isOnline_1`).
    public var name: String?
    /// Where the index is written.
    public var location: SourceLocation
    /// Where individual keys (`handler`, `rateLimit`, `ttl`) are written, for diagnostics that point at the exact line.
    public var keyLocations: [String: SourceLocation] = [:]

    /// Creates an index configuration.
    public init(
        keys: [Key],
        unique: Bool = false,
        expireAfterSeconds: Int? = nil,
        ttl: String? = nil,
        name: String? = nil,
        location: SourceLocation
    ) {
        self.keys = keys
        self.unique = unique
        self.expireAfterSeconds = expireAfterSeconds
        self.ttl = ttl
        self.name = name
        self.location = location
    }

    /// The name MongoDB gives the index unless one is set: fields and directions joined by `_`.
    public var resolvedName: String {
        name ?? keys.map { "\($0.field)_\($0.direction)" }.joined(separator: "_")
    }
}
