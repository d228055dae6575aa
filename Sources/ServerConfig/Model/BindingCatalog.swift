/// The names the running program provides, against which the YAML files are checked at start-up:
/// handlers, TTLs and rate limits the code relies on, and the application's settings.
///
/// The engine fills it from its handler registry; `ServerConfig` itself knows no handler.
public struct BindingCatalog: Sendable, Equatable {
    /// Registered HTTP handler names.
    public var httpHandlers: Set<String>
    /// Registered WebSocket handler names.
    public var webSocketHandlers: Set<String>
    /// Registered job handler names.
    public var jobHandlers: Set<String>
    /// Registered network lookups (routes' `network: { lookup: … }`).
    public var networkLookups: Set<String>
    /// TTL names the code reads from limits.yaml; each must be defined.
    public var requiredTTLs: Set<String>
    /// Application settings; nil accepts any `settings:` key as a string.
    public var settings: [String: SettingSpec]?

    /// Creates a catalog.
    public init(
        httpHandlers: Set<String> = [],
        webSocketHandlers: Set<String> = [],
        jobHandlers: Set<String> = [],
        networkLookups: Set<String> = [],
        requiredTTLs: Set<String> = [],
        settings: [String: SettingSpec]? = nil
    ) {
        self.httpHandlers = httpHandlers
        self.webSocketHandlers = webSocketHandlers
        self.jobHandlers = jobHandlers
        self.networkLookups = networkLookups
        self.requiredTTLs = requiredTTLs
        self.settings = settings
    }
}
