/// Everything an operator tunes without recompiling, from limits.yaml.
public struct LimitsConfig: Sendable, Equatable {
    /// Largest accepted HTTP request body; larger gets 413. Default 64KiB (`http.maxBodySize`).
    public var maxBodySize: Int
    /// Largest request head (request line and headers together); a larger one closes the connection. Default 16KiB
    /// (`http.maxHeaderSize`). Applied when the listener starts.
    public var maxHeaderSize: Int
    /// An HTTP connection that completes no request part for this long is closed: a slowly sent request head
    /// (slowloris) or an idle keep-alive connection. Default 30s (`http.idleTimeout`). Applied when the listener starts.
    public var idleTimeout: Duration
    /// Longest time to receive a request body once its head arrived; a slower body gets 408. Default 10s
    /// (`http.bodyReadTimeout`).
    public var bodyReadTimeout: Duration
    /// Largest accepted WebSocket message. Default 64KiB (`websocket.maxFrameSize`). A reload applies it to new sockets;
    /// an open one keeps the frame limit set at its upgrade (``ConfigReload/needsReconnect``).
    public var maxFrameSize: Int
    /// How often the server pings each WebSocket. Default 30s (`websocket.pingInterval`).
    public var pingInterval: Duration
    /// Connection, rate and buffer bounds of the WebSocket listener (`websocket:`).
    public var webSocket: WebSocketLimits
    /// Throttling of invalid tokens per IP (`authThrottle:`).
    public var authThrottle: AuthThrottleConfig
    /// Presence push batching (`presence:`).
    public var presence: PresenceConfig
    /// Named rate limits (`rateLimits:`).
    public var rateLimits: [String: RateLimitConfig]
    /// Named durations (`ttls:`): online windows, retention, expiry.
    public var ttls: [String: Duration]
    /// Application settings (`settings:`), typed by the application's declared `SettingSpec`s.
    public var settings: [String: SettingValue]

    /// Creates limits.
    public init(
        maxBodySize: Int = 64 * 1024,
        maxHeaderSize: Int = 16 * 1024,
        idleTimeout: Duration = .seconds(30),
        bodyReadTimeout: Duration = .seconds(10),
        maxFrameSize: Int = 64 * 1024,
        pingInterval: Duration = .seconds(30),
        webSocket: WebSocketLimits = WebSocketLimits(),
        authThrottle: AuthThrottleConfig = AuthThrottleConfig(),
        presence: PresenceConfig = PresenceConfig(),
        rateLimits: [String: RateLimitConfig] = [:],
        ttls: [String: Duration] = [:],
        settings: [String: SettingValue] = [:]
    ) {
        self.maxBodySize = maxBodySize
        self.maxHeaderSize = maxHeaderSize
        self.idleTimeout = idleTimeout
        self.bodyReadTimeout = bodyReadTimeout
        self.maxFrameSize = maxFrameSize
        self.pingInterval = pingInterval
        self.webSocket = webSocket
        self.authThrottle = authThrottle
        self.presence = presence
        self.rateLimits = rateLimits
        self.ttls = ttls
        self.settings = settings
    }

    /// The TTL with this name. Names the application needs are checked at start-up (`BindingCatalog.requiredTTLs`).
    public func ttl(_ name: String) -> Duration? { ttls[name] }
}
