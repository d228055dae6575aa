import Synchronization

/// Tokens whose signature this process has verified, with their decoded claims, so a client that presents the same
/// token on every request (the mobile apps announce every 5 minutes with one token, poll `peers` and reconnect their
/// signaling socket in between) pays for the HMAC and the claims' JSON decoding once.
///
/// Keyed by the whole token string, signature included: only a string that verified under this process's secret is
/// ever a hit, and an invalid token is never stored. The time claims (`exp`, `nbf`) are not settled here: the
/// authenticator checks them against the clock on every use, cached or not, so a token expires on time.
///
/// Bounded by two generations of at most `generationCapacity` entries each: a hit in the older generation moves the
/// token to the newer one; when the newer one is full the older one is dropped and the newer one takes its place.
/// So a token in use stays cached, a flood of distinct valid tokens can hold at most `2 × generationCapacity`
/// entries, and every operation is O(1).
package final class VerifiedTokenCache: Sendable {
    private struct Generations {
        var current: [String: TokenClaims] = [:]
        var previous: [String: TokenClaims] = [:]
    }

    /// The most entries one generation holds.
    package let generationCapacity: Int
    private let state = Mutex(Generations())

    /// Creates an empty cache; `generationCapacity` 0 disables it.
    package init(generationCapacity: Int = 4096) {
        self.generationCapacity = max(0, generationCapacity)
    }

    /// The claims of `token` if it verified before.
    package func claims(for token: String) -> TokenClaims? {
        guard generationCapacity > 0 else { return nil }
        return state.withLock { state in
            if let claims = state.current[token] { return claims }
            guard let claims = state.previous.removeValue(forKey: token) else { return nil }
            Self.insert(token, claims, into: &state, capacity: generationCapacity)
            return claims
        }
    }

    /// Remembers that `token` verified, with its claims.
    package func store(_ claims: TokenClaims, for token: String) {
        guard generationCapacity > 0 else { return }
        state.withLock { state in Self.insert(token, claims, into: &state, capacity: generationCapacity) }
    }

    /// Entries held, both generations (for tests).
    package var count: Int { state.withLock { $0.current.count + $0.previous.count } }

    private static func insert(_ token: String, _ claims: TokenClaims, into state: inout Generations, capacity: Int) {
        if state.current.count >= capacity, state.current[token] == nil {
            state.previous = state.current
            state.current = [:]
            state.current.reserveCapacity(capacity)
        }
        state.current[token] = claims
    }
}
