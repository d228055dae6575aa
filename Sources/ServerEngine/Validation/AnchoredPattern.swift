/// A `matches:` pattern of the shape most routes use, `^prefix[class]quantifier$` (`^peer_[a-zA-Z0-9_]+$`), matched
/// in one pass over the text's UTF-8 bytes. Swift's `Regex` engine spent about 45 000 instructions on one such match;
/// this spends a few hundred. Patterns of any other shape keep using `Regex` (``init(_:)`` returns nil for them).
///
/// The shape: `^`, a literal prefix of ASCII letters, digits, `_` and `-`, one bracket class of ASCII letters, digits,
/// ranges between them, `_`, `.` and a leading or trailing `-`, a quantifier (`+`, `*`, `{n}`, `{m,}` or `{m,n}`), `$`.
/// It matches as the JavaScript pattern of express-validator's `matches()` does without flags: the whole text,
/// no trailing newline allowed, and no non-ASCII character is in an ASCII class.
///
/// ```swift
/// AnchoredPattern("^peer_[a-zA-Z0-9_]+$")?.matches("peer_alice")   // true
/// AnchoredPattern("^(a|b)$")                                       // nil: not this shape
/// ```
package struct AnchoredPattern: Sendable, Equatable {
    private let prefix: [UInt8]
    /// Indexed by ASCII byte: in the class or not.
    private let members: [Bool]
    private let minimum: Int
    private let maximum: Int?

    /// The pattern, or nil when it is not of the shape above.
    package init?(_ pattern: String) {
        var rest = Array(pattern.utf8)[...]
        guard rest.first == UInt8(ascii: "^"), rest.last == UInt8(ascii: "$") else { return nil }
        rest = rest.dropFirst().dropLast()
        var prefix: [UInt8] = []
        while let byte = rest.first, Self.isWordByte(byte) || byte == UInt8(ascii: "-") {
            prefix.append(byte)
            rest.removeFirst()
        }
        guard rest.first == UInt8(ascii: "["), let close = rest.firstIndex(of: UInt8(ascii: "]")) else { return nil }
        guard let members = Self.members(of: rest[rest.index(after: rest.startIndex)..<close]) else { return nil }
        guard let (minimum, maximum) = Self.quantifier(rest[rest.index(after: close)...]) else { return nil }
        (self.prefix, self.members, self.minimum, self.maximum) = (prefix, members, minimum, maximum)
    }

    /// True when the whole of `text` matches.
    package func matches(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard utf8.starts(with: prefix) else { return false }
        var count = 0
        for byte in utf8.dropFirst(prefix.count) {
            guard byte < 0x80, members[Int(byte)] else { return false }
            count += 1
        }
        return count >= minimum && count <= (maximum ?? Int.max)
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool { isWordByte(byte) && byte != UInt8(ascii: "_") }

    /// The members of a bracket class's inside, or nil for anything but ASCII word characters, `.`, ranges between
    /// letters or digits of one kind, and `-` first or last.
    private static func members(of inside: ArraySlice<UInt8>) -> [Bool]? {
        guard !inside.isEmpty, inside.first != UInt8(ascii: "^") else { return nil }
        var members = [Bool](repeating: false, count: 128)
        let bytes = Array(inside)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "-") {
                let upper = bytes[index + 2]
                guard isAlphanumeric(byte), isAlphanumeric(upper), byte <= upper, sameKind(byte, upper) else { return nil }
                for member in byte...upper { members[Int(member)] = true }
                index += 3
                continue
            }
            let dashAtAnEnd = byte == UInt8(ascii: "-") && (index == 0 || index == bytes.count - 1)
            guard isWordByte(byte) || byte == UInt8(ascii: ".") || dashAtAnEnd else { return nil }
            members[Int(byte)] = true
            index += 1
        }
        return members
    }

    private static func sameKind(_ lower: UInt8, _ upper: UInt8) -> Bool {
        let kinds: [ClosedRange<UInt8>] = [
            UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
        ]
        return kinds.contains { $0.contains(lower) && $0.contains(upper) }
    }

    /// `+`, `*`, `{n}`, `{m,}` or `{m,n}` as (minimum, maximum); nil for anything else.
    private static func quantifier(_ text: ArraySlice<UInt8>) -> (Int, Int?)? {
        switch String(decoding: text, as: UTF8.self) {
        case "+": return (1, nil)
        case "*": return (0, nil)
        case let braces where braces.hasPrefix("{") && braces.hasSuffix("}") && braces.count > 2:
            let bounds = braces.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
            guard bounds.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else { return nil }
            switch bounds.count {
            case 1:
                guard let exact = Int(bounds[0]) else { return nil }
                return (exact, exact)
            case 2:
                guard let minimum = Int(bounds[0]) else { return nil }
                if bounds[1].isEmpty { return (minimum, nil) }
                guard let maximum = Int(bounds[1]), minimum <= maximum else { return nil }
                return (minimum, maximum)
            default:
                return nil
            }
        default:
            return nil
        }
    }
}
