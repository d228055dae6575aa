/// Throttling of invalid tokens per client IP, from limits.yaml's `authThrottle:` section (HTTP and WebSocket alike).
///
/// Each missing or invalid token counts a failure for the caller's IP within a sliding `window`. Past `slowAfter`
/// failures each further failure is answered only after a delay that grows by `delay` per failure (at most
/// `maxDelay`); past `maxFailures` the IP is blocked for `blockFor`. While blocked, its invalid tokens are answered
/// as refused (HTTP 429 with `Retry-After`, WebSocket close 1008) after `maxDelay`, and each extends the block to
/// `blockFor` from then; its valid tokens are served as usual, so users sharing the address with a guesser are not
/// locked out. Other IPs are not affected; a valid token does not reset the count.
///
/// ```yaml
/// authThrottle:
///   window: 1m
///   maxFailures: 20
///   blockFor: 5m
/// ```
public struct AuthThrottleConfig: Sendable, Equatable {
    /// The sliding window failures are counted in. Default 1m (`authThrottle.window`).
    public var window: Duration
    /// Failures within the window answered at once; later ones are delayed. Default 5 (`authThrottle.slowAfter`).
    public var slowAfter: Int
    /// Added delay per failure past `slowAfter`. Default 200ms (`authThrottle.delay`).
    public var delay: Duration
    /// The longest delay. Default 2s (`authThrottle.maxDelay`).
    public var maxDelay: Duration
    /// Failures within the window after which the IP is refused. Default 20 (`authThrottle.maxFailures`); 0 disables throttling.
    public var maxFailures: Int
    /// How long a blocked IP stays blocked after its last failure. Default 5m (`authThrottle.blockFor`).
    public var blockFor: Duration

    /// Creates a throttle configuration; every argument has the documented default.
    public init(
        window: Duration = .seconds(60),
        slowAfter: Int = 5,
        delay: Duration = .milliseconds(200),
        maxDelay: Duration = .seconds(2),
        maxFailures: Int = 20,
        blockFor: Duration = .seconds(300)
    ) {
        self.window = window
        self.slowAfter = slowAfter
        self.delay = delay
        self.maxDelay = maxDelay
        self.maxFailures = maxFailures
        self.blockFor = blockFor
    }
}
