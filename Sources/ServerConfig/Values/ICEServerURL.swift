/// Checks STUN and TURN server URLs as WebRTC clients parse them: `stun:host[:port]` and `stuns:` (RFC 7064),
/// `turn:host[:port][?transport=udp|tcp]` and `turns:` (RFC 7065).
///
/// ```swift
/// try ICEServerURL.check("turn:turn.example.com:3478?transport=udp", kind: .turn)  // passes
/// try ICEServerURL.check("stun://stun.example.com", kind: .stun)                 // throws: no "//"
/// ```
package enum ICEServerURL {
    /// Which list a URL belongs to.
    package enum Kind: Sendable {
        /// `stun:` and `stuns:` URLs.
        case stun
        /// `turn:` and `turns:` URLs.
        case turn

        /// The schemes of this kind.
        var schemes: [String] { self == .stun ? ["stun", "stuns"] : ["turn", "turns"] }
    }

    /// Why a URL was refused.
    package struct Invalid: Error, Sendable, Equatable {
        /// The explanation, naming the URL.
        package var message: String
    }

    /// Throws ``Invalid`` unless `url` is a URL of `kind`.
    package static func check(_ url: String, kind: Kind) throws(Invalid) {
        guard let colon = url.firstIndex(of: ":") else {
            throw Invalid(message: "'\(url)' has no scheme; write \(kind.schemes[0]):host[:port]")
        }
        let scheme = url[..<colon].lowercased()
        guard kind.schemes.contains(scheme) else {
            let other = kind == .stun ? Kind.turn : Kind.stun
            let hint =
                other.schemes.contains(scheme)
                ? " (a \(scheme.hasPrefix("turn") ? "TURN" : "STUN") URL belongs in \(other == .turn ? "turnUrls" : "stunUrls"))" : ""
            throw Invalid(message: "'\(url)' does not start with \(kind.schemes.map { "\($0):" }.joined(separator: " or "))\(hint)")
        }
        var rest = url[url.index(after: colon)...]
        if rest.hasPrefix("//") {
            throw Invalid(message: "'\(url)' has '//' after its scheme; STUN and TURN URLs are written \(scheme):host[:port] (RFC 7064, 7065)")
        }
        if let question = rest.firstIndex(of: "?") {
            let query = rest[rest.index(after: question)...].lowercased()
            rest = rest[..<question]
            guard kind == .turn else { throw Invalid(message: "'\(url)' has a query; a STUN URL is \(scheme):host[:port]") }
            guard query == "transport=udp" || query == "transport=tcp" else {
                throw Invalid(message: "'\(url)' has an unknown query; a TURN URL may end with ?transport=udp or ?transport=tcp")
            }
        }
        try checkAuthority(String(rest), of: url)
    }

    /// `host[:port]`, the host a name, an IPv4 address or a bracketed IPv6 address.
    private static func checkAuthority(_ authority: String, of url: String) throws(Invalid) {
        var host = Substring(authority)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw Invalid(message: "'\(url)' has an unclosed '[' in its host") }
            let address = host[host.index(after: host.startIndex)..<close]
            guard !address.isEmpty, address.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw Invalid(message: "'\(url)' has an invalid IPv6 address in its host")
            }
            let after = host[host.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw Invalid(message: "'\(url)' has text after its IPv6 address") }
                port = after.dropFirst()
            }
            host = address
        } else {
            if let colon = host.lastIndex(of: ":") {
                port = host[host.index(after: colon)...]
                host = host[..<colon]
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
                throw Invalid(message: "'\(url)' has an invalid host; write a name or an address, with an optional :port")
            }
        }
        if let port {
            guard let number = Int(port), (1...65535).contains(number) else {
                throw Invalid(message: "'\(url)' has an invalid port '\(port)'; expected 1 to 65535")
            }
        }
    }
}
