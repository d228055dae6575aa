import DocumentStore
import Foundation
import HTTPTypes
import JWTKit
import Logging
import ServerConfig

/// Verifies HMAC-signed bearer tokens (HS256 by default; `auth.jwt.algorithms`) and mints them for development.
///
/// Accepts `Authorization: Bearer <token>`. A token is verified only with the algorithm its header names, and only if
/// that algorithm is configured (``JWTHeaderCheck``): `alg: none`, `RS256` or anything else is invalid whatever the
/// signature. The user id is the `id` claim, else `sub`; `exp` is required unless `auth.jwt.requireExp` is false;
/// `exp` and `nbf` are checked against the engine's clock with the configured leeway; an optional `networks` claim
/// (a list of strings; anything else makes the token invalid) limits the networks the caller may use. Failures are
/// 401 JSON errors that never echo the token.
///
/// A token that verified once is remembered (``VerifiedTokenCache``), so its header, signature and claims' shapes are
/// not checked again on every request; its `exp` (and whether it has one), `nbf` and user id are.
///
/// ```swift
/// let auth = await JWTAuthenticator(secret: secret, clock: SystemWallClock())
/// let user = try await auth.authenticate(authorization: request.headers[.authorization])
/// ```
public struct JWTAuthenticator: Sendable {
    /// One key collection per accepted algorithm, each holding the secret as that algorithm's HMAC key.
    private let keys: [JWTAlgorithmName: JWTKeyCollection]
    private let algorithms: [JWTAlgorithmName]
    private let clock: any WallClock
    private let leeway: Double
    private let requireExp: Bool
    /// Invalid-token counts per IP, shared by the HTTP API and the WebSocket listener (limits.yaml `authThrottle`).
    package let throttle = AuthThrottle()
    /// Throttle refusals logged at most once a second.
    let refusalLog = BoundedRateLog()
    /// Tokens already verified, with their claims.
    package let verified: VerifiedTokenCache

    /// Creates an authenticator for an HMAC secret accepting `algorithms` (the first signs minted tokens; an empty
    /// list means HS256; HS384 or HS512 with a secret shorter than its hash is left out, so its tokens are refused).
    /// `cachedTokens` bounds how many verified tokens are remembered (about twice that many at most; 0 verifies every
    /// token every time).
    public init(
        secret: String,
        clock: any WallClock,
        leeway: Duration = .zero,
        algorithms: [JWTAlgorithmName] = [.hs256],
        requireExp: Bool = true,
        cachedTokens: Int = 8192
    ) async {
        let algorithms = algorithms.isEmpty ? [.hs256] : algorithms
        var keys: [JWTAlgorithmName: JWTKeyCollection] = [:]
        // HS384 and HS512 need a secret as long as their hash (the configuration checks it); one shorter is not used.
        for algorithm in algorithms where keys[algorithm] == nil && (algorithm == .hs256 || secret.utf8.count >= algorithm.minimumSecretLength) {
            let collection = JWTKeyCollection()
            await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: Self.digest(algorithm))
            keys[algorithm] = collection
        }
        self.keys = keys
        self.algorithms = algorithms
        self.clock = clock
        self.leeway = leeway.seconds
        self.requireExp = requireExp
        self.verified = VerifiedTokenCache(generationCapacity: cachedTokens / 2)
    }

    /// Creates the authenticator `auth` describes (its secret, leeway, algorithms and `requireExp`).
    public init(auth: AuthConfig, clock: any WallClock, cachedTokens: Int = 8192) async {
        await self.init(
            secret: auth.jwtSecret,
            clock: clock,
            leeway: auth.leeway,
            algorithms: auth.algorithms,
            requireExp: auth.requireExp,
            cachedTokens: cachedTokens
        )
    }

    private static func digest(_ algorithm: JWTAlgorithmName) -> DigestAlgorithm {
        switch algorithm {
        case .hs256: .sha256
        case .hs384: .sha384
        case .hs512: .sha512
        }
    }

    /// The user of an `Authorization` header value; throws a 401 `APIError` if missing or invalid.
    public func authenticate(authorization: String?) async throws(APIError) -> AuthenticatedUser {
        guard let authorization, !authorization.isEmpty else { throw Self.unauthorized("Authentication required") }
        guard let token = BearerToken.parse(authorization) else { throw Self.unauthorized("Authorization must be 'Bearer <token>'") }
        return try await authenticate(token: String(token))
    }

    /// The user of a bare token; throws a 401 `APIError` if invalid.
    public func authenticate(token: String) async throws(APIError) -> AuthenticatedUser {
        let claims: TokenClaims
        if let known = verified.claims(for: token) {
            claims = known
        } else {
            do {
                let algorithm = try JWTHeaderCheck.algorithm(of: token, allowed: algorithms)
                guard let collection = keys[algorithm] else { throw JWTHeaderCheck.Refusal(reason: "no key") }
                claims = try await collection.verify(token, as: TokenClaims.self)
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
        if requireExp, claims.exp == nil { throw Self.unauthorized(Self.noExpiryMessage) }
        if let exp = claims.exp, now >= exp + leeway { throw Self.unauthorized("Authentication token expired") }
        if let nbf = claims.nbf, now + leeway < nbf { throw Self.unauthorized("Authentication token not yet valid") }
        guard let id = claims.id ?? claims.sub, !id.isEmpty else {
            throw Self.unauthorized("Authentication token has no user id (id or sub claim)")
        }
        return AuthenticatedUser(id: id, networks: claims.networks.map(Set.init))
    }

    /// The 401 message of a token without `exp` when `auth.jwt.requireExp` is on.
    public static let noExpiryMessage = "Authentication token has no expiry (exp claim)"

    /// Mints a token for `user`, valid for `ttl` from now, optionally limited to `networks`, signed with the first
    /// configured algorithm.
    public func mint(user: String, networks: [String]? = nil, ttl: Duration = .seconds(3600)) async throws -> String {
        let now = clock.now().timeIntervalSince1970.rounded(.down)
        let claims = TokenClaims(id: user, sub: user, networks: networks, exp: now + ttl.seconds.rounded(.towardZero), nbf: nil, iat: now)
        guard let collection = keys[algorithms[0]] else {
            throw JWTHeaderCheck.Refusal(
                reason: "no \(algorithms[0].rawValue) key: the secret is shorter than \(algorithms[0].minimumSecretLength) bytes"
            )
        }
        return try await collection.sign(claims)
    }

    /// Counts an authentication failure from `ip` and waits out the throttle's delay for it before the caller
    /// answers. Returns the seconds to put in `Retry-After` when the address was already blocked (the caller then
    /// answers as refused, 429 or close 1008, exactly as an address refused without checking its token), nil when
    /// the failure is answered as itself (401). Logs and counts a new block, and (at most once a second) refusals.
    ///
    /// The delay is real time, not the engine's ``WallClock``: it slows the answer to one request, like I/O would,
    /// and tests that stop the clock still get their answers.
    func throttleFailure(ip: String, config: AuthThrottleConfig, services: EngineServices, transport: String, logger: Logger) async -> Int? {
        let verdict = throttle.recordFailure(ip: ip, config: config, now: services.clock.now())
        if verdict.blocked {
            services.metrics.recordAuthThrottled(transport: transport, action: "blocked")
            logger.warning(
                "refusing address after repeated authentication failures",
                metadata: ["ip": "\(ip)", "transport": "\(transport)", "blockFor": "\(DurationParser.format(config.blockFor))"]
            )
        }
        if let retryAfter = verdict.refusedFor {
            services.metrics.recordAuthThrottled(transport: transport, action: "refused")
            refusalLog.notice(
                "authentication refused: too many failures",
                logger: logger,
                metadata: ["ip": "\(ip)", "transport": "\(transport)", "retryAfter": "\(retryAfter)"]
            )
        }
        if verdict.delay > .zero {
            services.metrics.recordAuthThrottled(transport: transport, action: "delayed")
            try? await Task.sleep(for: verdict.delay)
        }
        return verdict.refusedFor
    }

    /// Counts a valid token served from an address that is blocked for other tokens' failures
    /// (`auth_throttled_total{action="passed"}`): a shared address (NAT, a proxy) with a guesser behind it.
    func notePassed(ip: String, config: AuthThrottleConfig, services: EngineServices, transport: String) {
        guard throttle.blockedFor(ip: ip, config: config, now: services.clock.now()) != nil else { return }
        services.metrics.recordAuthThrottled(transport: transport, action: "passed")
    }

    private static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, message, headers: [.wwwAuthenticate: "Bearer"])
    }
}
