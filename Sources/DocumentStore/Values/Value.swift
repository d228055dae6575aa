#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A BSON-like value stored in a ``Document``.
///
/// `Value` covers the BSON types the registry stores: null, booleans, 64-bit integers, doubles,
/// strings, UTC dates (millisecond precision), ObjectIds, arrays and embedded documents.
/// Literals build values directly:
///
/// ```swift
/// let device: Document = [
///     "deviceId": "peer_alice_1",
///     "capabilities": ["relay", "store"],
///     "isOnline": true,
///     "lastSeen": .date(Date()),
/// ]
/// ```
///
/// `==` is structural: `.int(1) != .double(1)`. Queries, sorts and indexes use MongoDB's
/// comparison instead, where numbers compare by value across types (see ``Value/compare(_:_:)``).
public enum Value: Sendable, Hashable {
    /// BSON null.
    case null
    /// A boolean.
    case bool(Bool)
    /// A 64-bit signed integer (BSON int32 and int64 both map here).
    case int(Int64)
    /// A 64-bit IEEE 754 floating point number.
    case double(Double)
    /// A UTF-8 string.
    case string(String)
    /// A UTC datetime with millisecond precision.
    case date(Timestamp)
    /// A 12-byte ObjectId.
    case objectId(ObjectId)
    /// An ordered array of values.
    case array([Value])
    /// An embedded document.
    case document(Document)

    /// A date value from a Foundation `Date`, truncated to milliseconds like BSON.
    ///
    /// ```swift
    /// let lastSeen: Value = .date(clock.now())
    /// ```
    public static func date(_ date: Date) -> Value {
        .date(Timestamp(date))
    }
}

extension Value: ExpressibleByNilLiteral {
    /// `nil` is BSON null.
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension Value: ExpressibleByBooleanLiteral {
    /// `true` / `false`.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension Value: ExpressibleByIntegerLiteral {
    /// An integer literal is a 64-bit integer.
    public init(integerLiteral value: Int64) {
        self = .int(value)
    }
}

extension Value: ExpressibleByFloatLiteral {
    /// A float literal is a double.
    public init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension Value: ExpressibleByStringLiteral {
    /// A string literal is a string.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension Value: ExpressibleByStringInterpolation {}

extension Value: ExpressibleByArrayLiteral {
    /// An array literal is an array value.
    public init(arrayLiteral elements: Value...) {
        self = .array(elements)
    }
}

extension Value: ExpressibleByDictionaryLiteral {
    /// A dictionary literal is an embedded document; key order is kept.
    public init(dictionaryLiteral elements: (String, Value)...) {
        self = .document(Document(elements))
    }
}
