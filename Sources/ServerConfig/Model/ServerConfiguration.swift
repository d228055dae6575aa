/// The whole, checked configuration: routes.yaml, limits.yaml and jobs.yaml with environment variables resolved.
///
/// ```swift
/// let config = try ConfigLoader(directory: ".", catalog: registry.catalog).load()
/// print(config.http.port, config.limits.rateLimits["announce"]?.max ?? 0)
/// ```
public struct ServerConfiguration: Sendable, Equatable {
    /// The directory the files were read from.
    public var directory: String
    /// The service name used in logs. Default `p2p-registry`.
    public var service: String
    /// The HTTP API listener (`PORT`, default 3000).
    public var http: ListenerConfig
    /// The WebSocket signaling listener (`SIGNALING_PORT`, default 8080).
    public var webSocket: ListenerConfig
    /// Which proxies' forwarding headers name the client (`http.trustedProxies`, `TRUSTED_PROXIES`); for both
    /// listeners. Applied by a live reload.
    public var clientAddress: ClientAddressConfig
    /// Which browser origins may read the HTTP API (`http.cors`, `CORS_ALLOW_ORIGINS`). Applied by a live reload.
    public var cors: CORSConfig
    /// Whether the HTTP API serves its OpenAPI document at `GET /openapi.json` (`http.openapi`). Default true.
    public var openAPI: Bool = true
    /// JWT settings.
    public var auth: AuthConfig
    /// Store selection.
    public var store: StoreConfig
    /// How `GET /metrics` is exposed.
    public var metrics: MetricsConfig
    /// Cross-instance routing (`cluster:`).
    public var cluster: ClusterConfig
    /// The STUN and TURN servers handed to WebRTC clients (`ice:`). Applied by a live reload.
    public var ice: ICEConfig
    /// HTTP routes in file order.
    public var routes: [RouteConfig]
    /// WebSocket routes in file order.
    public var webSocketRoutes: [WebSocketRouteConfig]
    /// Collections and their indexes.
    public var collections: [CollectionConfig]
    /// Limits, TTLs and settings.
    public var limits: LimitsConfig
    /// Scheduled jobs in file order.
    public var jobs: [JobConfig]
    /// Warnings found while loading (the configuration is usable).
    public var warnings: [ConfigDiagnostic]
    /// The text of each file read, by file name (`routes.yaml`, `limits.yaml`, `jobs.yaml`); a missing optional
    /// file is absent. A reload compares them, and ``digest`` is computed from them.
    public var sources: [String: String]

    /// Creates a configuration; normally made by `ConfigLoader`.
    public init(
        directory: String = ".",
        service: String = "p2p-registry",
        http: ListenerConfig = ListenerConfig(port: 3000),
        webSocket: ListenerConfig = ListenerConfig(port: 8080),
        clientAddress: ClientAddressConfig = ClientAddressConfig(),
        cors: CORSConfig = CORSConfig(),
        auth: AuthConfig = AuthConfig(),
        store: StoreConfig = StoreConfig(),
        metrics: MetricsConfig = MetricsConfig(),
        cluster: ClusterConfig = ClusterConfig(),
        ice: ICEConfig = ICEConfig(),
        routes: [RouteConfig] = [],
        webSocketRoutes: [WebSocketRouteConfig] = [],
        collections: [CollectionConfig] = [],
        limits: LimitsConfig = LimitsConfig(),
        jobs: [JobConfig] = [],
        warnings: [ConfigDiagnostic] = [],
        sources: [String: String] = [:]
    ) {
        self.directory = directory
        self.service = service
        self.http = http
        self.webSocket = webSocket
        self.clientAddress = clientAddress
        self.cors = cors
        self.auth = auth
        self.store = store
        self.metrics = metrics
        self.cluster = cluster
        self.ice = ice
        self.routes = routes
        self.webSocketRoutes = webSocketRoutes
        self.collections = collections
        self.limits = limits
        self.jobs = jobs
        self.warnings = warnings
        self.sources = sources
    }
}
