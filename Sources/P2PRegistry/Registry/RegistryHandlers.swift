import ServerConfig
import ServerEngine

/// The registry application's bindings: the handler names routes.yaml and jobs.yaml refer to, the TTLs it
/// reads and the settings it declares for limits.yaml.
///
/// ```swift
/// var handlers = HandlerRegistry()
/// RegistryHandlers.register(into: &handlers)
/// ```
public enum RegistryHandlers {
    /// HTTP handler names.
    public enum HTTP {
        public static let announce = "announce"
        public static let peers = "peers"
        public static let peer = "peer"
        public static let messages = "messages"
        public static let iceServers = "iceServers"
        public static let leave = "leave"
    }

    /// The network lookup of routes.yaml's `network: { lookup: deviceNetwork, param: deviceId }`: the network a
    /// device is announced in.
    public static let deviceNetwork = "deviceNetwork"

    /// The signaling WebSocket handler name.
    public static let signaling = "signaling"

    /// Job handler names.
    public enum Jobs {
        public static let presenceSweep = "presenceSweep"
        public static let coordinatorElection = "coordinatorElection"
        public static let metricsRefresh = "metricsRefresh"
    }

    /// TTL names read from limits.yaml.
    public enum TTL {
        /// A device not seen for this long is offline (`DEVICE_TTL_MINUTES`).
        public static let deviceOnline = "deviceOnline"
        /// An offline device's document is deleted after this.
        public static let deviceRetention = "deviceRetention"
        /// `peer/:userId` falls back to coordinators seen this recently.
        public static let coordinatorLookback = "coordinatorLookback"
        /// Queued signaling messages expire after this (`SIGNALING_TTL_HOURS`).
        public static let signaling = "signaling"
    }

    /// The application's `settings:` in limits.yaml, with their types and defaults (declared in ``RegistrySettings``).
    public static let settings: [String: SettingSpec] = RegistrySettings.specs

    /// Registers every handler, TTL and setting of the registry.
    public static func register(into registry: inout HandlerRegistry) {
        let hub = SignalingHub()
        registry.http(HTTP.announce, contract: RegistryContracts.announce) { context in try await AnnounceHandler.handle(context, hub: hub) }
        let listings = PeersListingCache()
        registry.http(HTTP.peers, contract: RegistryContracts.peers) { context in try await PeersHandler.handle(context, listings: listings) }
        registry.http(HTTP.peer, contract: RegistryContracts.peer, PeerHandler.handle)
        registry.http(HTTP.messages, contract: RegistryContracts.messages, DrainHandler.handle)
        registry.http(HTTP.iceServers, contract: RegistryContracts.iceServers, ICEServersHandler.handle)
        registry.http(HTTP.leave, contract: RegistryContracts.leave) { context in try await LeaveHandler.handle(context, hub: hub) }
        registry.networkLookup(deviceNetwork) { deviceId, services in try await DeviceOwnership.network(of: deviceId, services: services) }
        registry.webSocket(signaling, contract: SignalingContract.contract) { session in try await hub.open(session) }
        registry.background("presenceRefresh") { services in try await PresenceRefresher.run(hub: hub, services: services) }
        registry.background("signalingCluster") { services in try await hub.serveCluster(services: services) }
        registry.background("presencePush") { services in try await hub.presence.run(services: services) }
        registry.job(Jobs.presenceSweep) { context in try await PresenceSweepJob.run(context, presence: hub.presence) }
        registry.job(Jobs.coordinatorElection) { context in try await CoordinatorElectionJob.run(context, presence: hub.presence) }
        registry.job(Jobs.metricsRefresh, MetricsRefreshJob.run)
        registry.requiredTTLs.formUnion([TTL.deviceOnline, TTL.deviceRetention, TTL.coordinatorLookback, TTL.signaling])
        registry.settings.merge(settings) { _, new in new }
    }
}
