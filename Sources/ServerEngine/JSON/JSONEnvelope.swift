import DocumentStore

/// A JSON object read only as far as its caller needs: the members' values are checked as JSON (the same rules as
/// ``JSONParser``) but not built; each is kept as its raw text, and the string members asked for are decoded. A
/// relay reads a message's envelope this way and passes its payload on as it came.
///
/// ```swift
/// let envelope = try JSONEnvelope.parse(Array(#"{"type":"offer","data":{"sdp":"v=0"}}"#.utf8), strings: ["type"])
/// envelope.strings["type"]  // "offer"
/// envelope.raw("data")      // #"{"sdp":"v=0"}"#
/// ```
public struct JSONEnvelope: Sendable {
    /// The decoded values of the requested members that are JSON strings.
    public private(set) var strings: [String: String] = [:]
    /// Every member's value as its byte range in ``bytes``. A repeated key, here or in any nested object, makes the
    /// text invalid, as for ``JSONParser``.
    public private(set) var ranges: [String: Range<Int>] = [:]
    /// The whole text.
    public let bytes: [UInt8]

    /// The raw JSON text of member `key`, if present.
    public func raw(_ key: String) -> String? {
        ranges[key].map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    /// True when member `key` is present and is JSON `null`.
    public func isNull(_ key: String) -> Bool {
        guard let range = ranges[key] else { return false }
        return bytes[range.lowerBound] == UInt8(ascii: "n")
    }

    /// Reads a JSON text that must be an object; throws when it is not valid JSON. Returns nil when it is valid JSON
    /// but not an object.
    public static func parse(
        _ bytes: [UInt8],
        strings wanted: Set<String>,
        maxDepth: Int = JSONParser.defaultMaxDepth
    ) throws(JSONParser.Failure) -> JSONEnvelope? {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        var envelope = JSONEnvelope(bytes: bytes)
        parser.skipWhitespace()
        guard parser.index < bytes.count, bytes[parser.index] == UInt8(ascii: "{") else {
            _ = try JSONParser.parse(bytes, maxDepth: maxDepth)  // valid JSON that is not an object, or a failure
            return nil
        }
        parser.index += 1
        parser.skipWhitespace()
        if parser.index < bytes.count, bytes[parser.index] == UInt8(ascii: "}") {
            parser.index += 1
        } else {
            while true {
                parser.skipWhitespace()
                guard parser.index < bytes.count, bytes[parser.index] == UInt8(ascii: "\"") else { throw parser.failure("expected a string key") }
                let keyOffset = parser.index
                let key = try parser.parseString()
                guard envelope.ranges[key] == nil else { throw JSONParser.Failure(reason: "duplicate key", offset: keyOffset) }
                parser.skipWhitespace()
                guard parser.index < bytes.count, bytes[parser.index] == UInt8(ascii: ":") else { throw parser.failure("expected ':'") }
                parser.index += 1
                parser.skipWhitespace()
                let start = parser.index
                if wanted.contains(key), parser.index < bytes.count, bytes[parser.index] == UInt8(ascii: "\"") {
                    envelope.strings[key] = try parser.parseString()
                } else {
                    envelope.strings[key] = nil
                    try parser.skipValue(depth: 1)
                }
                envelope.ranges[key] = start..<parser.index
                parser.skipWhitespace()
                guard parser.index < bytes.count else { throw parser.failure("unexpected end of JSON") }
                if bytes[parser.index] == UInt8(ascii: ",") {
                    parser.index += 1
                } else if bytes[parser.index] == UInt8(ascii: "}") {
                    parser.index += 1
                    break
                } else {
                    throw parser.failure("expected ',' or '}'")
                }
            }
        }
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.failure("unexpected data after the JSON value") }
        return envelope
    }
}

extension JSONParser {
    /// Checks one value without building it (a repeated key in an object is refused), advancing past it.
    mutating func skipValue(depth: Int) throws(Failure) {
        guard index < bytes.count else { throw failure("unexpected end of JSON") }
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = bytes[index] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = close == UInt8(ascii: "}")
            guard depth + 1 <= maxDepth else { throw failure("JSON nested deeper than \(maxDepth) levels") }
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == close {
                index += 1
                return
            }
            var keys = KeySet()
            while true {
                skipWhitespace()
                if isObject {
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a string key") }
                    let keyOffset = index
                    let key = try parseString()
                    guard !key.isEmpty, !key.utf8.contains(0) else { throw Failure(reason: Self.unstorableKeyReason, offset: keyOffset) }
                    guard keys.insert(key) else { throw Failure(reason: "duplicate key", offset: keyOffset) }
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                    index += 1
                    skipWhitespace()
                }
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw failure("unexpected end of JSON") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == close {
                    index += 1
                    return
                } else {
                    throw failure(isObject ? "expected ',' or '}'" : "expected ',' or ']'")
                }
            }
        case UInt8(ascii: "\""):
            try skipString()
        default:
            _ = try parseValue(depth: depth)  // literals and numbers: small, and checked exactly as the parser does
        }
    }

    /// The failure reason of a nested key no document store can hold: empty, or with a NUL character. Values are
    /// checked without being built so that they can be stored as they came, which these keys would make fail on
    /// MongoDB.
    public static let unstorableKeyReason = "a key that is empty or contains NUL cannot be stored"

    /// Checks one string (escapes, control characters, UTF-8) without building it.
    mutating func skipString() throws(Failure) {
        index += 1  // opening quote
        while true {
            guard index < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return
            }
            if byte < 0x20 { throw failure("control character in string") }
            if byte == UInt8(ascii: "\\") {
                index += 1
                _ = try parseEscape()
            } else if byte >= 0x80 {
                try validateUTF8Sequence()
            } else {
                index += 1
            }
        }
    }
}
