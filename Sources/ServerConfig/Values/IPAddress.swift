/// An IPv4 or IPv6 address, parsed from text without the system resolver.
///
/// IPv4 addresses are held as IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`), so `1.2.3.4` and `::ffff:1.2.3.4` are
/// the same address and match the same ``CIDR`` ranges. ``description`` is the canonical text: dotted quads for IPv4
/// (mapped or not), RFC 5952 for IPv6 (lower case, the longest run of zero groups compressed), so one client never
/// counts under two spellings.
///
/// ```swift
/// IPAddress("::ffff:192.0.2.7")?.description   // "192.0.2.7"
/// IPAddress("2001:DB8:0:0::1")?.description     // "2001:db8::1"
/// IPAddress("fe80::1%eth0")                     // nil: zone ids are not addresses of a remote client
/// ```
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The upper 64 bits of the 128-bit address.
    public let high: UInt64
    /// The lower 64 bits of the 128-bit address.
    public let low: UInt64

    /// True for an IPv4 address (written as IPv4 or IPv4-mapped IPv6).
    public var isIPv4: Bool { high == 0 && low >> 32 == 0xffff }

    /// An address from its 128 bits.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses dotted-quad IPv4 (`192.0.2.7`) or IPv6 (`2001:db8::1`, `::ffff:192.0.2.7`); nil for anything else,
    /// including ports, brackets, zone ids and leading zeros in an IPv4 part (`010.0.0.1` is ambiguous).
    public init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        if let v4 = Self.parseIPv4(utf8[...]) {
            self.init(high: 0, low: 0xffff_0000_0000 | UInt64(v4))
        } else if let groups = Self.parseIPv6(utf8) {
            var high: UInt64 = 0
            var low: UInt64 = 0
            for index in 0..<4 { high = high << 16 | UInt64(groups[index]) }
            for index in 4..<8 { low = low << 16 | UInt64(groups[index]) }
            self.init(high: high, low: low)
        } else {
            return nil
        }
    }

    /// The eight 16-bit groups, most significant first.
    var groups: [UInt16] {
        (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64($0))) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64($0))) }
    }

    /// The canonical text: dotted quads for IPv4, RFC 5952 for IPv6.
    public var description: String {
        if isIPv4 {
            let v4 = UInt32(truncatingIfNeeded: low)
            return "\(v4 >> 24).\(v4 >> 16 & 0xff).\(v4 >> 8 & 0xff).\(v4 & 0xff)"
        }
        let groups = groups
        // The longest run of at least two zero groups (the first of equal runs) becomes "::".
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < 8, groups[end] == 0 { end += 1 }
            if end - index > bestLength {
                bestStart = index
                bestLength = end - index
            }
            index = end
        }
        func hex(_ range: Range<Int>) -> String { groups[range].map { String($0, radix: 16) }.joined(separator: ":") }
        guard bestStart >= 0 else { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    /// Four decimal parts of 0–255 without leading zeros.
    private static func parseIPv4(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            guard part.count == 1 || part.first != 0x30 else { return nil }
            let number = part.reduce(0) { $0 * 10 + UInt32($1 - 0x30) }
            guard number <= 255 else { return nil }
            value = value << 8 | number
        }
        return value
    }

    /// Eight groups from RFC 4291 text: hex groups of 1–4 digits, at most one `::`, an optional trailing dotted quad.
    private static func parseIPv6(_ bytes: [UInt8]) -> [UInt16]? {
        guard bytes.count >= 2, bytes.count <= 45 else { return nil }
        let colon = UInt8(ascii: ":")
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var compressed = false
        var index = 0
        if bytes[0] == colon {
            guard bytes[1] == colon else { return nil }
            compressed = true
            index = 2
        }
        while index < bytes.count {
            let start = index
            while index < bytes.count, bytes[index] != colon { index += 1 }
            let part = bytes[start..<index]
            if part.contains(UInt8(ascii: ".")) {
                // An embedded IPv4 address ends the text and stands for two groups.
                guard index == bytes.count, let v4 = parseIPv4(part) else { return nil }
                let pair = [UInt16(truncatingIfNeeded: v4 >> 16), UInt16(truncatingIfNeeded: v4)]
                if compressed { tail += pair } else { head += pair }
                break
            }
            guard (1...4).contains(part.count), let group = UInt16(String(decoding: part, as: UTF8.self), radix: 16),
                part.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) })
            else { return nil }
            if compressed { tail.append(group) } else { head.append(group) }
            guard index < bytes.count else { break }
            // At a colon: another group follows, or a second colon compresses zeros.
            index += 1
            if index < bytes.count, bytes[index] == colon {
                guard !compressed else { return nil }
                compressed = true
                index += 1
            } else if index == bytes.count {
                return nil  // a trailing single colon
            }
        }
        if compressed {
            guard head.count + tail.count <= 7 else { return nil }
            return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        return head.count == 8 ? head : nil
    }
}
