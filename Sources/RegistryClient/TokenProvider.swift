/// Why the client asks its token provider for a token.
public enum TokenRequestReason: Sendable, Hashable {
    /// The first request or connection.
    case initial
    /// The server refused the last token (`401`, or the signaling socket closed with `1008` and an authentication
    /// reason such as `Authentication token expired`): return a fresh one.
    case refresh
}

/// Where the client gets its JWT: usually the app's own backend. Called once at first use, and again each time the
/// server refuses the token it returned; the client keeps the last token in between.
///
/// ```swift
/// let tokens = TokenProvider { reason in try await myBackend.registryToken(forceNew: reason == .refresh) }
/// ```
public struct TokenProvider: Sendable {
    let fetch: @Sendable (TokenRequestReason) async throws -> String

    /// A provider that calls `fetch` for every token it needs.
    public init(_ fetch: @escaping @Sendable (TokenRequestReason) async throws -> String) {
        self.fetch = fetch
    }

    /// A provider that always returns `token` (development, tests).
    public static func constant(_ token: String) -> TokenProvider {
        TokenProvider { _ in token }
    }
}
