/// A value as an index key: hashable with MongoDB's equality, so numerically equal numbers
/// (`1`, `1.0`) are one key and strings compare by their bytes.
enum IndexValue: Sendable, Hashable {
    /// An empty array (MongoDB indexes `[]` as `undefined`).
    case undefined
    /// Null or a missing field.
    case null
    /// An integer, or a double with an integral value in `Int64`'s range.
    case int(Int64)
    /// Any other double except NaN.
    case double(Double)
    /// NaN (equal to itself in MongoDB).
    case nan
    case string(BinaryString)
    case document([IndexField])
    case array([IndexValue])
    case objectId(ObjectId)
    case bool(Bool)
    case date(Int64)

    init(_ value: Value) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .int(number)
        case .double(let number):
            if number.isNaN {
                self = .nan
            } else if let integral = Int64(exactly: number) {
                self = .int(integral)
            } else {
                self = .double(number)
            }
        case .string(let string): self = .string(BinaryString(string))
        case .date(let timestamp): self = .date(timestamp.millisecondsSinceEpoch)
        case .objectId(let id): self = .objectId(id)
        case .array(let elements): self = .array(elements.map(IndexValue.init))
        case .document(let document):
            self = .document(document.map { IndexField(key: BinaryString($0.key), value: IndexValue($0.value)) })
        }
    }
}

/// A field of an embedded document inside an index key.
struct IndexField: Sendable, Hashable {
    let key: BinaryString
    let value: IndexValue
}

/// A string compared and hashed by its UTF-8 bytes (MongoDB's simple collation), not by
/// Unicode canonical equivalence like `String`.
struct BinaryString: Sendable, Hashable {
    let string: String

    init(_ string: String) {
        self.string = string
    }

    static func == (lhs: BinaryString, rhs: BinaryString) -> Bool {
        Value.sameBytes(lhs.string, rhs.string)
    }

    func hash(into hasher: inout Hasher) {
        let hashed: Void? = string.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil {
            Array(string.utf8).withUnsafeBytes { hasher.combine(bytes: $0) }
        }
        hasher.combine(0xff as UInt8)  // terminator: never a UTF-8 byte
    }
}

/// The key of one document in one index: a value per indexed field.
struct IndexEntryKey: Sendable, Hashable {
    let head: IndexValue
    let tail: [IndexValue]

    init(_ values: [IndexValue]) {
        self.head = values.first ?? .null
        self.tail = Array(values.dropFirst())
    }

    init(head: IndexValue, tail: [IndexValue]) {
        self.head = head
        self.tail = tail
    }

    /// The key of the first `count` fields.
    func prefix(_ count: Int) -> IndexEntryKey {
        count - 1 >= tail.count ? self : IndexEntryKey(head: head, tail: Array(tail.prefix(count - 1)))
    }
}
