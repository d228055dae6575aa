/// How requests are authenticated: JSON Web Tokens signed with HS256.
public struct AuthConfig: Sendable, Equatable {
    /// The HS256 secret (`JWT_SECRET`). Empty means unset: `registry check` warns and `registry serve` refuses to start.
    public var jwtSecret: String
    /// Clock skew tolerated when checking `exp` and `nbf`. Default 0s.
    public var leeway: Duration

    /// Creates an auth configuration.
    public init(jwtSecret: String = "", leeway: Duration = .zero) {
        self.jwtSecret = jwtSecret
        self.leeway = leeway
    }

    /// True when a secret is configured.
    public var hasSecret: Bool { !jwtSecret.isEmpty }
}

extension AuthConfig: CustomStringConvertible, CustomDebugStringConvertible {
    /// Never the secret: configurations end up in logs (swift-service-lifecycle logs its services at debug level).
    public var description: String { "AuthConfig(jwtSecret: \(hasSecret ? "[redacted]" : "unset"), leeway: \(leeway))" }
    public var debugDescription: String { description }
}
