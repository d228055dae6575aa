import Foundation

/// Reading a `Content-Type` header value.
enum MediaType {
    /// True when `contentType` is `application/json`: type and subtype compared without case, parameters (such as
    /// `; charset=utf-8`) and surrounding whitespace ignored. `application/jsonx`, `text/json` and
    /// `application/problem+json` are not.
    static func isJSON(_ contentType: String) -> Bool {
        let bytes = contentType.utf8
        // ASCII (every real header): compared byte by byte; anything else keeps the Unicode-aware comparison.
        guard bytes.allSatisfy({ $0 < 0x80 }) else {
            let essence = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return essence.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
        }
        var essence = bytes.prefix { $0 != UInt8(ascii: ";") }[...]
        while let first = essence.first, first == 0x20 || first == 0x09 { essence = essence.dropFirst() }
        while let last = essence.last, last == 0x20 || last == 0x09 { essence = essence.dropLast() }
        let json = "application/json".utf8
        // Lowercasing ASCII: setting bit 5 of letters (`A`–`Z` only).
        return essence.count == json.count
            && zip(essence, json).allSatisfy { byte, expected in
                (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) == expected
            }
    }
}
