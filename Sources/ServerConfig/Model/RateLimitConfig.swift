/// A named rate limit from limits.yaml, referenced by routes.
///
/// ```yaml
/// rateLimits:
///   announce:
///     window: ${RATE_LIMIT_WINDOW_MS:-60000}ms
///     max: ${RATE_LIMIT_MAX_REQUESTS:-12}
///     key: user
///     message: Too many presence announcements
///     scope: auto                    # auto | instance | shared
/// ```
public struct RateLimitConfig: Sendable, Equatable {
    /// What a limit counts per.
    public enum Key: String, Sendable, Equatable, CaseIterable {
        /// Per authenticated user (falls back to the client IP on routes without auth).
        case user
        /// Per client IP address.
        case ip
    }

    /// Where a limit's counters live.
    public enum Scope: String, Sendable, Equatable, CaseIterable {
        /// In the process on the embedded store (one process serves it), in the store's `rate_limits` otherwise.
        case auto
        /// In the process: each instance counts on its own (a cluster of N instances admits up to N × max).
        case instance
        /// In the store's `rate_limits` collection, shared by every instance on the store (one write per request).
        case shared
    }

    /// The limit's name.
    public var name: String
    /// Length of the fixed window. Default 1m (`RATE_LIMIT_WINDOW_MS`).
    public var window: Duration
    /// Requests allowed per window. Default 12 (`RATE_LIMIT_MAX_REQUESTS`).
    public var max: Int
    /// What the limit counts per. Default `user`.
    public var key: Key
    /// The `error` text of the 429 response. Default `Too many requests`.
    public var message: String
    /// Where the counters live. Default `auto`.
    public var scope: Scope = .auto
    /// Where the limit is written.
    public var location: SourceLocation

    /// Creates a rate limit.
    public init(name: String, window: Duration, max: Int, key: Key = .user, message: String = "Too many requests", location: SourceLocation) {
        self.name = name
        self.window = window
        self.max = max
        self.key = key
        self.message = message
        self.location = location
    }
}
