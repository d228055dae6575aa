import DocumentStore
import Foundation
import HTTPTypes
import JWTKit
import Logging
import ServerConfig

/// Verifies HS256 bearer tokens and mints them for development.
///
/// Accepts `Authorization: Bearer <token>`; the user id is the `id` claim, else `sub`; `exp` and `nbf`
/// are checked against the engine's clock with the configured leeway; an optional `networks` claim limits
/// the networks the caller may use. Failures are 401 JSON errors that never echo the token.
///
/// A token that verified once is remembered (``VerifiedTokenCache``), so its signature and claims are not checked
/// again on every request; its `exp` and `nbf` are.
///
/// ```swift
/// let auth = await JWTAuthenticator(secret: secret, clock: SystemWallClock())
/// let user = try await auth.authenticate(authorization: request.headers[.authorization])
/// ```
public struct JWTAuthenticator: Sendable {
    private let keys: JWTKeyCollection
    private let clock: any WallClock
    private let leeway: Double
    /// Invalid-token counts per IP, shared by the HTTP API and the WebSocket listener (limits.yaml `authThrottle`).
    public let throttle = AuthThrottle()
    /// Tokens already verified, with their claims.
    let verified: VerifiedTokenCache

    /// Creates an authenticator for an HS256 secret. `cachedTokens` bounds how many verified tokens are remembered
    /// (about twice that many at most; 0 verifies every token every time).
    public init(secret: String, clock: any WallClock, leeway: Duration = .zero, cachedTokens: Int = 8192) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.clock = clock
        let (seconds, attoseconds) = leeway.components
        self.leeway = Double(seconds) + Double(attoseconds) / 1e18
        self.verified = VerifiedTokenCache(generationCapacity: cachedTokens / 2)
    }

    /// The user of an `Authorization` header value; throws a 401 `APIError` if missing or invalid.
    public func authenticate(authorization: String?) async throws(APIError) -> AuthenticatedUser {
        guard let authorization, !authorization.isEmpty else { throw Self.unauthorized("Authentication required") }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Self.unauthorized("Authorization must be 'Bearer <token>'")
        }
        return try await authenticate(token: String(parts[1].trimmingOptionalWhitespace()))
    }

    /// The user of a bare token; throws a 401 `APIError` if invalid.
    public func authenticate(token: String) async throws(APIError) -> AuthenticatedUser {
        let claims: TokenClaims
        if let known = verified.claims(for: token) {
            claims = known
        } else {
            do {
                claims = try await keys.verify(token, as: TokenClaims.self)
            } catch {
                throw Self.unauthorized("Invalid authentication token")
            }
            verified.store(claims, for: token)
        }
        return try user(from: claims)
    }

    /// The user of a token that verified before, without waiting (its claims are remembered; `exp` and `nbf` are
    /// checked now); nil when the token is not remembered, so it must go through ``authenticate(token:)``.
    public func rememberedUser(token: String) throws(APIError) -> AuthenticatedUser? {
        guard let claims = verified.claims(for: token) else { return nil }
        return try user(from: claims)
    }

    private func user(from claims: TokenClaims) throws(APIError) -> AuthenticatedUser {
        let now = clock.now().timeIntervalSince1970
        if let exp = claims.exp, now >= exp + leeway { throw Self.unauthorized("Authentication token expired") }
        if let nbf = claims.nbf, now + leeway < nbf { throw Self.unauthorized("Authentication token not yet valid") }
        guard let id = claims.id ?? claims.sub, !id.isEmpty else {
            throw Self.unauthorized("Authentication token has no user id (id or sub claim)")
        }
        return AuthenticatedUser(id: id, networks: claims.networks.map(Set.init))
    }

    /// Mints a token for `user`, valid for `ttl` from now, optionally limited to `networks`.
    public func mint(user: String, networks: [String]? = nil, ttl: Duration = .seconds(3600)) async throws -> String {
        let now = clock.now().timeIntervalSince1970.rounded(.down)
        let seconds = Double(ttl.components.seconds)
        let claims = TokenClaims(id: user, sub: user, networks: networks, exp: now + seconds, nbf: nil, iat: now)
        return try await keys.sign(claims)
    }

    /// Counts an authentication failure from `ip`, logs and counts a new block, and waits out the throttle's delay
    /// for this failure before the caller answers it.
    func throttleFailure(ip: String, config: AuthThrottleConfig, services: EngineServices, transport: String, logger: Logger) async {
        let (delay, blocked) = throttle.recordFailure(ip: ip, config: config, now: services.clock.now())
        if blocked {
            services.metrics.recordAuthThrottled(transport: transport, action: "blocked")
            logger.warning(
                "refusing address after repeated authentication failures",
                metadata: ["ip": "\(ip)", "transport": "\(transport)", "blockFor": "\(DurationParser.format(config.blockFor))"]
            )
        }
        if delay > .zero {
            services.metrics.recordAuthThrottled(transport: transport, action: "delayed")
            try? await Task.sleep(for: delay)
        }
    }

    private static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, message, headers: [.wwwAuthenticate: "Bearer"])
    }
}
