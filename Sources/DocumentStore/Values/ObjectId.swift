#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A 12-byte MongoDB ObjectId.
///
/// A generated id is, as in MongoDB, a 4-byte big-endian count of seconds since the Unix epoch,
/// 5 random bytes chosen once per process, and a 3-byte big-endian counter that starts at a random
/// value. Ids therefore sort roughly by creation time; ordering compares the bytes.
///
/// ```swift
/// let id = ObjectId()
/// let same = ObjectId(hex: id.hex)  // == id
/// ```
public struct ObjectId: Sendable, Hashable, Comparable {
    /// Bytes 0..<8, big-endian.
    private let high: UInt64
    /// Bytes 8..<12, big-endian.
    private let low: UInt32

    /// Generates a new, process-unique ObjectId stamped with the current time.
    public init() {
        self = ObjectIdGenerator.shared.next(secondsSinceEpoch: UInt32(truncatingIfNeeded: Int64(Date().timeIntervalSince1970)))
    }

    /// An ObjectId from exactly 12 bytes; `nil` for any other length.
    public init?(bytes: some Sequence<UInt8>) {
        let array = Array(bytes)
        guard array.count == 12 else { return nil }
        var high: UInt64 = 0
        for byte in array[0..<8] { high = high << 8 | UInt64(byte) }
        var low: UInt32 = 0
        for byte in array[8..<12] { low = low << 8 | UInt32(byte) }
        self.init(high: high, low: low)
    }

    /// An ObjectId from 24 hexadecimal digits (either case); `nil` when malformed.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 24 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12)
        var index = 0
        while index < 24 {
            guard let upper = Self.nibble(utf8[index]), let lower = Self.nibble(utf8[index + 1]) else { return nil }
            bytes.append(upper << 4 | lower)
            index += 2
        }
        self.init(bytes: bytes)
    }

    init(high: UInt64, low: UInt32) {
        self.high = high
        self.low = low
    }

    /// The 12 bytes, most significant first.
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(12)
        for shift in stride(from: 56, through: 0, by: -8) { result.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { result.append(UInt8(truncatingIfNeeded: low >> UInt32(shift))) }
        return result
    }

    /// 24 lowercase hexadecimal digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var utf8: [UInt8] = []
        utf8.reserveCapacity(24)
        for byte in bytes {
            utf8.append(digits[Int(byte >> 4)])
            utf8.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// The creation time encoded in the first four bytes (second precision).
    public var timestamp: Date {
        Date(timeIntervalSince1970: Double(UInt32(truncatingIfNeeded: high >> 32)))
    }

    /// Orders ids by their bytes, as MongoDB does.
    public static func < (lhs: ObjectId, rhs: ObjectId) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension ObjectId: CustomStringConvertible {
    /// The 24 hexadecimal digits.
    public var description: String { hex }
}
