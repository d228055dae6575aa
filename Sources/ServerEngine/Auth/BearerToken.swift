/// The token of an `Authorization: Bearer <token>` header value.
///
/// The scheme is matched case-insensitively (RFC 9110 §11.1) and the token is returned without the optional
/// whitespace around it; nil when the value is not `<scheme> <token>` with the scheme `Bearer`.
///
/// ```swift
/// BearerToken.parse("Bearer abc.def.ghi")  // "abc.def.ghi"
/// BearerToken.parse("Basic dXNlcg==")      // nil
/// ```
package enum BearerToken {
    /// The token of `authorization`, or nil when it is not a Bearer credential.
    package static func parse(_ authorization: String) -> Substring? {
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingOptionalWhitespace()
    }

    /// Whether `authorization` is `Bearer <token>` for exactly `token`, compared in constant time (a wrong token
    /// of the right length takes as long as the right one).
    package static func matches(_ authorization: String?, token: String) -> Bool {
        guard let authorization, let given = parse(authorization) else { return false }
        let expected = Array(token.utf8)
        guard given.utf8.count == expected.count else { return false }
        return zip(given.utf8, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
