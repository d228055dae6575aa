import DocumentStore
import Logging
import ServerConfig

/// What handlers and jobs share: the configuration in force, the store, the clock and the logger.
///
/// ```swift
/// let devices = context.services.collection("devices")
/// let window = context.services.ttl("deviceOnline")
/// ```
public struct EngineServices: Sendable {
    /// The configuration in force, replaced by live reloads (SIGHUP). Read it where a value is used (per
    /// request, per message, per job tick), not once at start-up, so reloaded limits apply.
    public let liveConfiguration: LiveConfiguration
    /// A snapshot of the configuration in force.
    public var configuration: ServerConfiguration { liveConfiguration.current }
    /// The document store (embedded or MongoDB).
    public let store: any DocumentDatabase
    /// The one clock all time comes from; tests move it.
    public let clock: any WallClock
    /// The root logger.
    public let logger: Logger
    /// Whether the store is reachable and indexed.
    public let readiness: StoreReadiness
    /// This engine's metrics, served at `GET /metrics`.
    public let metrics: EngineMetrics
    /// This instance's id (job leases, cluster registration, logs).
    public let instanceId: String
    /// limits.yaml's `rateLimits` counters, for routes' `rateLimit:` and for handlers that limit an action of their own.
    public let rateLimiter: RateLimiter
    /// Cross-instance routing through the store (off with the embedded engine unless `cluster.enabled: true`).
    public let cluster: ClusterBus

    /// Creates services; each gets its own metrics registry unless one is passed.
    public init(
        configuration: ServerConfiguration,
        store: any DocumentDatabase,
        clock: any WallClock,
        logger: Logger,
        metrics: EngineMetrics = EngineMetrics(),
        instanceId: String = InstanceIdentity.make()
    ) {
        self.liveConfiguration = LiveConfiguration(configuration)
        self.store = store
        self.clock = clock
        self.logger = logger
        self.readiness = StoreReadiness()
        self.metrics = metrics
        self.instanceId = instanceId
        self.rateLimiter = RateLimiter(store: store, clock: clock)
        let clusterOn: Bool
        switch configuration.cluster.mode {
        case .on: clusterOn = true
        case .off: clusterOn = false
        case .auto: clusterOn = store.backendName == "mongodb"
        }
        self.cluster = ClusterBus(instanceId: instanceId, isEnabled: clusterOn, store: store, clock: clock)
        metrics.recordConfigVersion(1)
    }

    /// Pings the store, creates every index and marks the store ready.
    public func prepareStore() async throws {
        try await store.ping()
        try await createIndexes()
        readiness.markReady()
    }

    /// The collection with this name; its operations are timed in `store_operation_duration_seconds`.
    public func collection(_ name: String) -> any DocumentCollection {
        TimedCollection(base: store.collection(name), metrics: metrics, backend: store.backendName)
    }

    /// The TTL with this name from limits.yaml. TTLs the application declares as required are checked at
    /// start-up, so for those this never falls back; an undeclared name yields zero.
    public func ttl(_ name: String) -> Duration { configuration.limits.ttls[name] ?? .zero }

    /// The application setting with this name (declared settings always have a value or a default).
    public func setting(_ name: String) -> SettingValue? { configuration.limits.settings[name] }

    /// Creates every collection's indexes from routes.yaml, plus the engine's own (rate-limit counters).
    /// Idempotent; a conflicting existing index is reported by the store.
    public func createIndexes() async throws {
        for collection in configuration.collections {
            let specs = collection.indexes.map { index in
                IndexSpec(
                    keys: index.keys.map { IndexKey($0.field, $0.direction < 0 ? .descending : .ascending) },
                    unique: index.unique,
                    expireAfterSeconds: index.expireAfterSeconds,
                    name: index.resolvedName
                )
            }
            try await store.collection(collection.name).createIndexes(specs)
        }
        try await store.collection(RateLimiter.collectionName).createIndexes(RateLimiter.indexes)
        if cluster.isEnabled {
            for (name, specs) in ClusterBus.indexes { try await store.collection(name).createIndexes(specs) }
        }
    }
}

extension EngineServices: CustomStringConvertible {
    /// A short description without the configuration (which holds the JWT secret): services are logged by name.
    public var description: String { "EngineServices(service: \(configuration.service), store: \(store.backendName))" }
}
