#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Value {
    /// The string, when this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, when this is an integer or a double with an integral value in `Int64`'s range.
    ///
    /// ```swift
    /// Value.double(3).intValue  // 3
    /// Value.double(3.5).intValue  // nil
    /// ```
    public var intValue: Int64? {
        switch self {
        case .int(let value):
            return value
        case .double(let value):
            return Int64(exactly: value)
        default:
            return nil
        }
    }

    /// The number as a double, when this is a double or an integer.
    public var doubleValue: Double? {
        switch self {
        case .double(let value): return value
        case .int(let value): return Double(value)
        default: return nil
        }
    }

    /// The boolean, when this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The date, when this is a date.
    public var dateValue: Date? {
        timestampValue?.date
    }

    /// The millisecond timestamp, when this is a date.
    public var timestampValue: Timestamp? {
        if case .date(let value) = self { return value }
        return nil
    }

    /// The ObjectId, when this is an ObjectId.
    public var objectIdValue: ObjectId? {
        if case .objectId(let value) = self { return value }
        return nil
    }

    /// The elements, when this is an array.
    public var arrayValue: [Value]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The embedded document, when this is a document.
    public var documentValue: Document? {
        if case .document(let value) = self { return value }
        return nil
    }

    /// Whether this is BSON null.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Whether this is a number (integer or double).
    public var isNumber: Bool {
        switch self {
        case .int, .double: return true
        default: return false
        }
    }
}
