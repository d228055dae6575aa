import DocumentStore
import ServerEngine
import Testing

/// The authenticator remembers verified tokens: a remembered token still expires, only the exact string that
/// verified is remembered, and a flood of distinct tokens cannot grow the cache past its bound.
@Suite struct VerifiedTokenCacheTests {
    static let secret = "verified-token-cache-secret-0123456789abcdef"

    /// The 401 message of `authenticate(token:)`, or nil when it succeeds.
    static func refusal(_ auth: JWTAuthenticator, _ token: String) async -> String? {
        do {
            _ = try await auth.authenticate(token: token)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func aRememberedTokenIsStillCheckedForExpiry() async throws {
        let clock = ManualWallClock()
        let auth = await JWTAuthenticator(secret: Self.secret, clock: clock)
        let token = try await auth.mint(user: "alice", networks: ["net1"], ttl: .seconds(60))
        #expect(try await auth.authenticate(token: token) == AuthenticatedUser(id: "alice", networks: ["net1"]))
        #expect(auth.verified.count == 1)
        clock.advance(by: 30)
        #expect(try await auth.authenticate(authorization: "Bearer \(token) ") == AuthenticatedUser(id: "alice", networks: ["net1"]))
        #expect(auth.verified.count == 1)
        clock.advance(by: 31)
        #expect(await Self.refusal(auth, token) == "Authentication token expired")
    }

    @Test func onlyTheExactStringThatVerifiedIsRemembered() async throws {
        let clock = ManualWallClock()
        let auth = await JWTAuthenticator(secret: Self.secret, clock: clock)
        let token = try await auth.mint(user: "alice")
        _ = try await auth.authenticate(token: token)

        // The same claims signed with another secret, and the valid token with one signature character changed.
        let forged = try await JWTAuthenticator(secret: "another-secret-0123456789abcdef0123", clock: clock).mint(user: "alice")
        var parts = token.split(separator: ".").map(String.init)
        let signature = parts[2]
        parts[2] = (signature.first == "A" ? "B" : "A") + signature.dropFirst()
        let tampered = parts.joined(separator: ".")
        for attempt in [forged, tampered, token + "x", String(token.dropLast())] {
            #expect(await Self.refusal(auth, attempt) == "Invalid authentication token", "\(attempt)")
        }
        #expect(auth.verified.count == 1)
        #expect(await Self.refusal(auth, token) == nil)
    }

    @Test func aFloodOfDistinctTokensStaysBoundedAndATokenInUseStaysRemembered() async throws {
        let auth = await JWTAuthenticator(secret: Self.secret, clock: ManualWallClock(), cachedTokens: 16)
        let regular = try await auth.mint(user: "regular")
        _ = try await auth.authenticate(token: regular)
        for index in 0..<200 {
            let token = try await auth.mint(user: "user\(index)")
            #expect(try await auth.authenticate(token: token).id == "user\(index)")
            #expect(auth.verified.count <= 16)
            if index % 4 == 0 { _ = try await auth.authenticate(token: regular) }
        }
        #expect(auth.verified.claims(for: regular)?.id == "regular")
    }

    @Test func generationsEvictTheLeastRecentlyUsed() {
        let cache = VerifiedTokenCache(generationCapacity: 3)
        func claims(_ id: String) -> TokenClaims { TokenClaims(id: id, sub: nil, networks: nil, exp: nil, nbf: nil, iat: nil) }
        for name in ["a", "b", "c"] { cache.store(claims(name), for: name) }
        cache.store(claims("d"), for: "d")  // a, b, c become the older generation
        #expect(cache.claims(for: "a")?.id == "a")  // used: moves to the newer generation
        cache.store(claims("e"), for: "e")  // the newer generation (d, a, e) is full
        cache.store(claims("f"), for: "f")  // drops b and c
        #expect(cache.claims(for: "b") == nil)
        #expect(cache.claims(for: "c") == nil)
        for name in ["a", "d", "e", "f"] { #expect(cache.claims(for: name)?.id == name) }
        #expect(cache.count <= 6)
        #expect(VerifiedTokenCache(generationCapacity: 0).claims(for: "a") == nil)
    }
}
