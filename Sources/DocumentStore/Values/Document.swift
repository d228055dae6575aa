/// An ordered list of `(key, value)` fields: a BSON document.
///
/// Field order is kept (MongoDB compares embedded documents in field order). Keys are unique:
/// assigning to an existing key replaces its value in place; assigning `nil` removes the field.
///
/// ```swift
/// var device: Document = ["deviceId": "peer_alice_1", "networkId": "n1"]
/// device["isOnline"] = true
/// device["networkId"] = nil
/// let city = profile.value(atPath: "address.city")?.stringValue
/// ```
public struct Document: Sendable, Hashable {
    /// One stored field.
    struct Field: Sendable, Hashable {
        var key: String
        var value: Value
    }

    private(set) var fields: [Field]

    /// An empty document.
    public init() {
        self.fields = []
    }

    /// A document from `(key, value)` pairs, in order; a repeated key keeps its first position and last value.
    public init(_ elements: some Sequence<(String, Value)>) {
        self.fields = []
        for (key, value) in elements {
            self[key] = value
        }
    }

    /// A document from `(key, value)` pairs whose keys the caller has already checked to be distinct (a parser that
    /// refuses repeated keys): built in one pass, without the per-key search of ``init(_:)``, so a large object costs
    /// O(n). Repeated keys here would break the document's invariant; debug builds check.
    public init(distinctKeys elements: [(String, Value)]) {
        assert(Set(elements.map(\.0)).count == elements.count, "Document(distinctKeys:) given a repeated key")
        self.fields = elements.map { Field(key: $0.0, value: $0.1) }
    }

    /// The number of fields.
    public var count: Int { fields.count }

    /// Whether the document has no fields.
    public var isEmpty: Bool { fields.isEmpty }

    /// The keys, in order.
    public var keys: [String] { fields.map(\.key) }

    /// The values, in key order.
    public var values: [Value] { fields.map(\.value) }

    /// The value of a top-level field; `nil` when absent. Setting `nil` removes the field,
    /// setting an existing key replaces its value in place, a new key is appended.
    public subscript(key: String) -> Value? {
        get {
            guard let index = index(forKey: key) else { return nil }
            return fields[index].value
        }
        set {
            if let index = index(forKey: key) {
                if let newValue {
                    fields[index].value = newValue
                } else {
                    fields.remove(at: index)
                }
            } else if let newValue {
                fields.append(Field(key: key, value: newValue))
            }
        }
    }

    /// Whether a top-level field named `key` exists (even with a null value).
    public func containsKey(_ key: String) -> Bool {
        index(forKey: key) != nil
    }

    /// Removes a top-level field and returns its value.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> Value? {
        guard let index = index(forKey: key) else { return nil }
        return fields.remove(at: index).value
    }

    /// The value at a dotted path such as `"address.city"` or `"messages.0.to"`.
    ///
    /// Each component names a field of an embedded document, or a zero-based index into an array.
    /// Unlike a query, this does not fan out over arrays: `"messages.to"` on an array is `nil`.
    public func value(atPath path: String) -> Value? {
        var components = path.split(separator: ".", omittingEmptySubsequences: false)[...]
        guard let first = components.popFirst(), var current = self[String(first)] else { return nil }
        for component in components {
            switch current {
            case .document(let document):
                guard let next = document[String(component)] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Int(component), elements.indices.contains(index) else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    func index(forKey key: String) -> Int? {
        fields.firstIndex { $0.key == key }
    }

    /// Inserts a field at a position (used to keep `_id` first).
    mutating func insert(key: String, value: Value, at position: Int) {
        fields.insert(Field(key: key, value: value), at: position)
    }

    /// Direct access to a field's value by position, for in-place updates.
    subscript(fieldAt index: Int) -> Value {
        get { fields[index].value }
        set { fields[index].value = newValue }
    }
}

extension Document: Sequence {
    /// Iterates `(key, value)` pairs in field order.
    public struct Iterator: IteratorProtocol {
        private var base: IndexingIterator<[Field]>

        init(_ fields: [Field]) {
            self.base = fields.makeIterator()
        }

        /// The next field.
        public mutating func next() -> (key: String, value: Value)? {
            guard let field = base.next() else { return nil }
            return (field.key, field.value)
        }
    }

    /// An iterator over the fields in order.
    public func makeIterator() -> Iterator {
        Iterator(fields)
    }

    /// The number of fields.
    public var underestimatedCount: Int { fields.count }
}

extension Document: ExpressibleByDictionaryLiteral {
    /// A document from a literal, keeping the literal's key order.
    public init(dictionaryLiteral elements: (String, Value)...) {
        self.init(elements)
    }
}
