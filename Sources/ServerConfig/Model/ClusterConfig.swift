/// How instances sharing one store find each other and relay to each other's sockets (routes.yaml `cluster:`).
///
/// ```yaml
/// cluster:
///   enabled: auto            # auto: on with MongoDB, off with the embedded engine
///   heartbeatInterval: 2s
///   instanceTimeout: 10s
///   inboxPollInterval: 50ms
/// ```
public struct ClusterConfig: Sendable, Equatable {
    /// Whether cross-instance routing runs.
    public enum Mode: String, Sendable, Equatable, CaseIterable {
        /// On when the store is MongoDB (shared by instances), off with the embedded engine (one process). The default.
        case auto
        /// Always on (tests run several engines on one embedded store).
        case on
        /// Always off: every instance works alone; messages to devices on other instances are queued.
        case off
    }

    /// Default `auto`.
    public var mode: Mode
    /// How often an instance writes its heartbeat to `instances`. Default 2s.
    public var heartbeatInterval: Duration
    /// An instance whose heartbeat is older than this is gone: its routes are ignored and its inbox is moved to
    /// the offline queue. Default 10s; keep it several heartbeat intervals.
    public var instanceTimeout: Duration
    /// How often an instance reads its inbox when the store offers no change stream. Default 50ms.
    public var inboxPollInterval: Duration

    /// Creates a cluster configuration.
    public init(
        mode: Mode = .auto,
        heartbeatInterval: Duration = .seconds(2),
        instanceTimeout: Duration = .seconds(10),
        inboxPollInterval: Duration = .milliseconds(50)
    ) {
        self.mode = mode
        self.heartbeatInterval = heartbeatInterval
        self.instanceTimeout = instanceTimeout
        self.inboxPollInterval = inboxPollInterval
    }
}
