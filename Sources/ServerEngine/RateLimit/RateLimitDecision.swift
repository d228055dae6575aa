import HTTPTypes

/// The outcome of counting one request against a rate limit.
public struct RateLimitDecision: Sendable, Equatable {
    /// True if the request is within the limit.
    public var allowed: Bool
    /// Requests allowed per window.
    public var limit: Int
    /// Requests left in this window.
    public var remaining: Int
    /// Seconds until the window resets (at least 1).
    public var resetSeconds: Int

    /// The `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` headers (express-rate-limit's
    /// `standardHeaders: true`), plus `Retry-After` when refused.
    public var headers: HTTPFields {
        var fields: HTTPFields = [:]
        fields[HTTPField.Name("RateLimit-Limit")!] = String(limit)
        fields[HTTPField.Name("RateLimit-Remaining")!] = String(remaining)
        fields[HTTPField.Name("RateLimit-Reset")!] = String(resetSeconds)
        if !allowed { fields[.retryAfter] = String(resetSeconds) }
        return fields
    }
}
