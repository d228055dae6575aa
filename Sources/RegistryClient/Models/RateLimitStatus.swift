/// The `RateLimit-*` headers of a rate-limited route's answer.
public struct RateLimitStatus: Sendable, Hashable {
    /// Requests allowed in a window.
    public var limit: Int
    /// Requests left in the current window.
    public var remaining: Int
    /// Seconds until the window ends.
    public var resetSeconds: Int
}
