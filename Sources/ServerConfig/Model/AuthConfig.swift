/// How requests are authenticated: JSON Web Tokens signed with an HMAC algorithm and one shared secret.
public struct AuthConfig: Sendable, Equatable {
    /// The HMAC secret (`JWT_SECRET`). Empty means unset: `registry check` warns and `registry serve` refuses to start.
    public var jwtSecret: String
    /// Clock skew tolerated when checking `exp` and `nbf`. Default 0s.
    public var leeway: Duration
    /// The algorithms a token's header may name (`auth.jwt.algorithms`); any other `alg` (`none`, `RS256`, …) makes
    /// the token invalid, whatever its signature. Default `[HS256]`. The first one signs tokens that the registry mints
    /// (`registry token`).
    public var algorithms: [JWTAlgorithmName]
    /// Whether a token must carry a numeric `exp` claim (`auth.jwt.requireExp`). Default true: a token without one
    /// (or with `exp: null`) is refused; false accepts such tokens as never expiring.
    public var requireExp: Bool

    /// Creates an auth configuration.
    public init(jwtSecret: String = "", leeway: Duration = .zero, algorithms: [JWTAlgorithmName] = [.hs256], requireExp: Bool = true) {
        self.jwtSecret = jwtSecret
        self.leeway = leeway
        self.algorithms = algorithms
        self.requireExp = requireExp
    }

    /// True when a secret is configured.
    public var hasSecret: Bool { !jwtSecret.isEmpty }
}

/// A JWS algorithm the registry can verify with its shared secret (the `alg` of a token's header).
public enum JWTAlgorithmName: String, Sendable, Equatable, CaseIterable {
    /// HMAC with SHA-256.
    case hs256 = "HS256"
    /// HMAC with SHA-384.
    case hs384 = "HS384"
    /// HMAC with SHA-512.
    case hs512 = "HS512"

    /// The shortest secret, in bytes, this algorithm may use: its hash's output (RFC 7518 §3.2).
    public var minimumSecretLength: Int {
        switch self {
        case .hs256: 32
        case .hs384: 48
        case .hs512: 64
        }
    }
}

extension AuthConfig: CustomStringConvertible, CustomDebugStringConvertible {
    /// Never the secret: configurations end up in logs (swift-service-lifecycle logs its services at debug level).
    public var description: String {
        "AuthConfig(jwtSecret: \(hasSecret ? "[redacted]" : "unset"), leeway: \(leeway), algorithms: \(algorithms.map(\.rawValue)), requireExp: \(requireExp))"
    }
    public var debugDescription: String { description }
}
