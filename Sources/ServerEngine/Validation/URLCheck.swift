import Foundation

/// URL checking for `url:` rules: an absolute URL whose scheme is allowed, with a plausible host.
///
/// The common shape (`wss://host.example/path`: ASCII, a plain host without user, port or percent-escapes, a path and
/// query of characters RFC 3986 allows unescaped) is read byte by byte, with the same answer `URLComponents` gives
/// for it; anything else goes through `URLComponents`.
package enum URLCheck {
    /// Whether `text` is an absolute URL with one of `protocols` and a plausible host.
    package static func isValid(_ text: String, protocols: [String]) -> Bool {
        guard text.utf8.count <= 2083 else { return false }
        if let plain = PlainURL(text) { return plain.isValid(protocols: protocols) }
        return isValidByComponents(text, protocols: protocols)
    }

    /// The check through `URLComponents`, for any text (the byte-level path must answer the same where it applies).
    package static func isValidByComponents(_ text: String, protocols: [String]) -> Bool {
        guard text.utf8.count <= 2083 else { return false }
        // ASCII text (nearly every address) is checked byte by byte; other text by Character, as before.
        let ascii = text.utf8.allSatisfy { $0 < 0x80 }
        let hasWhitespace = ascii ? text.utf8.contains(where: ASCIIBytes.isWhitespace) : text.contains(where: { $0.isWhitespace })
        guard !hasWhitespace,
            let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            protocols.contains(where: { $0.lowercased() == scheme }),
            let host = components.host, !host.isEmpty
        else { return false }
        if components.user != nil || components.password != nil { return false }
        // The host is percent-decoded: ASCII text can still give a non-ASCII host.
        let hostAllowed =
            host.utf8.allSatisfy({ $0 < 0x80 })
            ? host.utf8.allSatisfy { ASCIIBytes.isLetterOrDigit($0) || "-.:[]".utf8.contains($0) }
            : host.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == ":" || $0 == "[" || $0 == "]" }
        return hostAllowed && !host.hasPrefix(".") && !host.hasSuffix("..")
    }
}

/// `scheme://host[/path][?query]` where the scheme is RFC 3986's, the host only ASCII letters, digits, `-` and `.`,
/// and the rest only unreserved characters, sub-delimiters, `:`, `@`, `/` and `?`: a URL `URLComponents` parses,
/// with exactly that scheme and host and no user or password. Nil for any other text.
package struct PlainURL {
    let scheme: Substring
    let host: Substring

    /// The URL, or nil when `text` is not of the plain shape.
    package init?(_ text: String) {
        let bytes = text.utf8
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), let first = bytes.first, ASCIIBytes.isLetter(first),
            bytes[..<colon].allSatisfy({
                ASCIIBytes.isLetterOrDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
            })
        else { return nil }
        let afterColon = bytes[bytes.index(after: colon)...]
        guard afterColon.starts(with: "//".utf8) else { return nil }
        let authority = bytes[bytes.index(colon, offsetBy: 3)...]
        let authorityEnd = authority.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? authority.endIndex
        guard authority[..<authorityEnd].allSatisfy({ ASCIIBytes.isLetterOrDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }),
            authority[authorityEnd...].allSatisfy(Self.isPlainPathByte)
        else { return nil }
        self.scheme = text[..<colon]
        self.host = text[authority.startIndex..<authorityEnd]
    }

    /// What ``URLCheck/isValid(_:protocols:)`` answers for this URL.
    func isValid(protocols: [String]) -> Bool {
        guard !host.isEmpty, !host.hasPrefix("."), !host.hasSuffix("..") else { return false }
        return protocols.contains { name in
            name.utf8.count == scheme.utf8.count
                && zip(name.utf8, scheme.utf8).allSatisfy { ASCIIBytes.lowercased($0) == ASCIIBytes.lowercased($1) }
        }
    }

    /// Unreserved characters, sub-delimiters, `:`, `@`, `/` and `?`: no escape, fragment, space or bracket.
    private static func isPlainPathByte(_ byte: UInt8) -> Bool {
        if ASCIIBytes.isLetterOrDigit(byte) { return true }
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "$"),
            UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"),
            UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"),
            UInt8(ascii: "?"):
            return true
        default:
            return false
        }
    }
}
