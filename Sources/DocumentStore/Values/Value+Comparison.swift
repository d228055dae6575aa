#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Value {
    /// MongoDB's canonical type rank: the first criterion when values of different types are
    /// compared (null < numbers < strings < documents < arrays < ObjectId < booleans < dates).
    var canonicalTypeRank: Int {
        switch self {
        case .null: return 5
        case .int, .double: return 10
        case .string: return 15
        case .document: return 20
        case .array: return 25
        case .objectId: return 35
        case .bool: return 40
        case .date: return 45
        }
    }

    /// Compares two values with MongoDB's BSON ordering; returns a negative number, zero or a positive number.
    ///
    /// Values of different types order by type (null < numbers < strings < documents < arrays <
    /// ObjectId < booleans < dates). Numbers compare by value across integers and doubles (NaN is
    /// below every other number), strings by their UTF-8 bytes, documents field by field (type,
    /// then name, then value), arrays element by element, then by length.
    ///
    /// ```swift
    /// Value.compare(.int(1), .double(1.0))  // 0
    /// Value.compare("b", 10)  // > 0: strings sort after numbers
    /// ```
    public static func compare(_ lhs: Value, _ rhs: Value) -> Int {
        switch (lhs, rhs) {
        case (.null, .null):
            return 0
        case (.int(let left), .int(let right)):
            return left < right ? -1 : (left == right ? 0 : 1)
        case (.double(let left), .double(let right)):
            return compareDoubles(left, right)
        case (.int(let left), .double(let right)):
            return compareInteger(left, toDouble: right)
        case (.double(let left), .int(let right)):
            return -compareInteger(right, toDouble: left)
        case (.string(let left), .string(let right)):
            return compareStrings(left, right)
        case (.document(let left), .document(let right)):
            return compareDocuments(left, right)
        case (.array(let left), .array(let right)):
            return compareArrays(left, right)
        case (.objectId(let left), .objectId(let right)):
            return left < right ? -1 : (left == right ? 0 : 1)
        case (.bool(let left), .bool(let right)):
            return left == right ? 0 : (left ? 1 : -1)
        case (.date(let left), .date(let right)):
            return left < right ? -1 : (left == right ? 0 : 1)
        default:
            return lhs.canonicalTypeRank - rhs.canonicalTypeRank
        }
    }

    /// Whether two values are equal under MongoDB's comparison (`1 == 1.0`, documents field-order sensitive).
    static func equalsForQuery(_ lhs: Value, _ rhs: Value) -> Bool {
        compare(lhs, rhs) == 0
    }

    /// NaN equals NaN and sorts below every other number, as in MongoDB.
    static func compareDoubles(_ left: Double, _ right: Double) -> Int {
        if left < right { return -1 }
        if left > right { return 1 }
        if left == right { return 0 }
        switch (left.isNaN, right.isNaN) {
        case (true, true): return 0
        case (true, false): return -1
        default: return 1
        }
    }

    /// Exact comparison of an integer with a double (no rounding through `Double(integer)`).
    static func compareInteger(_ integer: Int64, toDouble double: Double) -> Int {
        if double.isNaN { return 1 }
        // 2^63 is exactly representable; Int64's range is [-2^63, 2^63).
        if double >= 9_223_372_036_854_775_808.0 { return -1 }
        if double < -9_223_372_036_854_775_808.0 { return 1 }
        let truncated = double.rounded(.towardZero)
        let whole = Int64(truncated)
        if integer < whole { return -1 }
        if integer > whole { return 1 }
        let fraction = double - truncated
        return fraction > 0 ? -1 : (fraction < 0 ? 1 : 0)
    }

    /// Binary (UTF-8 byte) comparison, MongoDB's simple collation.
    static func compareStrings(_ left: String, _ right: String) -> Int {
        let fast = left.utf8.withContiguousStorageIfAvailable { leftBytes in
            right.utf8.withContiguousStorageIfAvailable { rightBytes in
                compareBytes(UnsafeRawBufferPointer(leftBytes), UnsafeRawBufferPointer(rightBytes))
            }
        }
        if let fast, let order = fast { return order }
        return compareBytes(Array(left.utf8), Array(right.utf8))
    }

    /// Whether two strings have the same UTF-8 bytes (not merely canonically equivalent).
    static func sameBytes(_ left: String, _ right: String) -> Bool {
        left.utf8.count == right.utf8.count && compareStrings(left, right) == 0
    }

    private static func compareBytes(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Int {
        let common = min(left.count, right.count)
        if common > 0, let leftBase = left.baseAddress, let rightBase = right.baseAddress {
            let order = memcmp(leftBase, rightBase, common)
            if order != 0 { return order < 0 ? -1 : 1 }
        }
        return left.count - right.count
    }

    private static func compareBytes(_ left: [UInt8], _ right: [UInt8]) -> Int {
        left.withUnsafeBytes { leftBytes in right.withUnsafeBytes { rightBytes in compareBytes(leftBytes, rightBytes) } }
    }

    static func compareDocuments(_ left: Document, _ right: Document) -> Int {
        let leftFields = left.fields
        let rightFields = right.fields
        let common = min(leftFields.count, rightFields.count)
        for index in 0..<common {
            let a = leftFields[index]
            let b = rightFields[index]
            let typeOrder = a.value.canonicalTypeRank - b.value.canonicalTypeRank
            if typeOrder != 0 { return typeOrder }
            let nameOrder = compareStrings(a.key, b.key)
            if nameOrder != 0 { return nameOrder }
            let valueOrder = compare(a.value, b.value)
            if valueOrder != 0 { return valueOrder }
        }
        return leftFields.count - rightFields.count
    }

    static func compareArrays(_ left: [Value], _ right: [Value]) -> Int {
        let common = min(left.count, right.count)
        for index in 0..<common {
            let order = compare(left[index], right[index])
            if order != 0 { return order }
        }
        return left.count - right.count
    }
}
