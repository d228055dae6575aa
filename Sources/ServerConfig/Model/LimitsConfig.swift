/// Everything an operator tunes without recompiling, from limits.yaml.
public struct LimitsConfig: Sendable, Equatable {
    /// Largest accepted HTTP request body; larger gets 413. Default 64KiB (`http.maxBodySize`).
    public var maxBodySize: Int
    /// Largest accepted WebSocket message. Default 64KiB (`websocket.maxFrameSize`).
    public var maxFrameSize: Int
    /// How often the server pings each WebSocket. Default 30s (`websocket.pingInterval`).
    public var pingInterval: Duration
    /// Named rate limits (`rateLimits:`).
    public var rateLimits: [String: RateLimitConfig]
    /// Named durations (`ttls:`): online windows, retention, expiry.
    public var ttls: [String: Duration]
    /// Application settings (`settings:`), typed by the application's declared `SettingSpec`s.
    public var settings: [String: SettingValue]

    /// Creates limits.
    public init(
        maxBodySize: Int = 64 * 1024,
        maxFrameSize: Int = 64 * 1024,
        pingInterval: Duration = .seconds(30),
        rateLimits: [String: RateLimitConfig] = [:],
        ttls: [String: Duration] = [:],
        settings: [String: SettingValue] = [:]
    ) {
        self.maxBodySize = maxBodySize
        self.maxFrameSize = maxFrameSize
        self.pingInterval = pingInterval
        self.rateLimits = rateLimits
        self.ttls = ttls
        self.settings = settings
    }

    /// The TTL with this name. Names the application needs are checked at start-up (`BindingCatalog.requiredTTLs`).
    public func ttl(_ name: String) -> Duration? { ttls[name] }
}
