import DocumentStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension HandlerResponse {
    /// A strong entity tag for the body: its length and a 64-bit hash of its bytes, `"1a2b-0123456789abcdef"`.
    ///
    /// The hash reads the body eight bytes at a time (about a tenth of a millisecond for 200 KB), far less than
    /// building the body; it is not cryptographic, which an entity tag need not be: equal bodies give equal tags
    /// and a changed body changes the tag with overwhelming probability.
    public var entityTag: String {
        let hash = body.withUnsafeReadableBytes { Self.hash64($0) }
        let hex = String(hash, radix: 16)
        return "\"\(String(body.readableBytes, radix: 16))-\(String(repeating: "0", count: 16 - hex.count))\(hex)\""
    }

    /// A conditional GET: a successful response gets an `ETag`; if the request's `If-None-Match` names that tag
    /// (or is `*`), the answer is `304 Not Modified` with the same `ETag`, the headers a 200 would carry, no body,
    /// and the `Content-Length` the 200 would have had (RFC 9110 §8.6).
    ///
    /// ```swift
    /// return HandlerResponse.json(value: listing).conditional(on: context)
    /// ```
    public func conditional(on context: HandlerContext) -> HandlerResponse { conditional(on: context.request.headers) }

    /// ``conditional(on:)-(HandlerContext)`` with the request's headers.
    public func conditional(on requestHeaders: HTTPFields) -> HandlerResponse {
        guard status == .ok else { return self }
        let tag = entityTag
        var response = self
        response.headers[.eTag] = tag
        guard let condition = requestHeaders[.ifNoneMatch], Self.matches(condition, tag: tag) else { return response }
        response.status = .notModified
        response.headers[.contentLength] = String(body.readableBytes)
        response.body = ByteBuffer()
        return response
    }

    /// Whether an `If-None-Match` value (`*`, or a list of tags, weak or strong) names `tag`; weak comparison.
    static func matches(_ condition: String, tag: String) -> Bool {
        for candidate in condition.split(separator: ",") {
            var item = candidate.trimmingOptionalWhitespace()
            if item == "*" { return true }
            if item.hasPrefix("W/") { item = item.dropFirst(2) }
            if item == tag { return true }
        }
        return false
    }

    /// A fast 64-bit hash (multiply-xorshift over 8-byte words, then a finaliser).
    static func hash64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var offset = 0
        while offset + 8 <= bytes.count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        hash = (hash ^ tail) &* 0x94D0_49BB_1331_11EB
        hash ^= hash >> 33
        hash = hash &* 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        return hash
    }
}

extension HandlerContext {
    /// Whether the request's `If-None-Match` names `entityTag` (weak comparison; `*` and lists included).
    public func ifNoneMatch(matches entityTag: String) -> Bool {
        guard let condition = request.headers[.ifNoneMatch] else { return false }
        return HandlerResponse.matches(condition, tag: entityTag)
    }
}

/// A 64-bit hash of document values, for entity tags computed from the data a response is rendered from
/// (so a `304` needs no rendering). Not cryptographic; type-tagged, so `"1"` and `1` differ.
///
/// ```swift
/// var hasher = EntityTagHasher()
/// hasher.combine(document["lastSeen"] ?? .null)
/// let tag = hasher.finalize()
/// ```
public struct EntityTagHasher: Sendable {
    private var state: UInt64

    public init(seed: UInt64 = 0x9E37_79B9_7F4A_7C15) { state = seed }

    /// Mixes in one 64-bit word.
    public mutating func combine(word: UInt64) {
        state = (state ^ word) &* 0xBF58_476D_1CE4_E5B9
        state ^= state >> 31
    }

    /// Mixes in a value and its type.
    public mutating func combine(_ value: Value) {
        switch value {
        case .null: combine(word: 1)
        case .bool(let flag): combine(word: flag ? 2 : 3)
        case .int(let integer):
            combine(word: 4)
            combine(word: UInt64(bitPattern: integer))
        case .double(let double):
            combine(word: 5)
            combine(word: double.bitPattern)
        case .string(let text): combine(string: text, tag: 6)
        case .date(let timestamp):
            combine(word: 7)
            combine(word: UInt64(bitPattern: timestamp.millisecondsSinceEpoch))
        case .objectId(let id): combine(string: id.hex, tag: 8)
        case .array(let elements):
            combine(word: 9 | UInt64(elements.count) << 8)
            for element in elements { combine(element) }
        case .document(let document):
            combine(word: 10 | UInt64(document.count) << 8)
            for (key, element) in document {
                combine(string: key, tag: 11)
                combine(element)
            }
        }
    }

    private mutating func combine(string: String, tag: UInt64) {
        combine(word: tag | UInt64(string.utf8.count) << 8)
        let hashed = string.utf8.withContiguousStorageIfAvailable { bytes -> UInt64 in HandlerResponse.hash64(UnsafeRawBufferPointer(bytes)) }
        combine(word: hashed ?? Array(string.utf8).withUnsafeBytes { HandlerResponse.hash64($0) })
    }

    /// The hash so far.
    public func finalize() -> UInt64 {
        var hash = state
        hash ^= hash >> 33
        hash = hash &* 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        return hash
    }
}
