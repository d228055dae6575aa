import ServerConfig

/// The registry's application settings (limits.yaml `settings:`), each declared once with its type, bounds, default
/// and reload behaviour. ``RegistryHandlers/settings`` registers them; code reads them with
/// `configuration.setting(RegistrySettings.queueCap)`, which falls back to the same default.
///
/// The signaling ones are read once per connection (``SignalingSettings``): a reload puts them in force for new
/// sockets and reports them as needing a reconnect.
public enum RegistrySettings {
    /// Online coordinators the election keeps per network (`MIN_COORDINATORS_PER_NETWORK`).
    public static let minCoordinatorsPerNetwork = Setting<Int>.integer("minCoordinatorsPerNetwork", in: 0...1000, default: 2)
    /// Queued signaling messages per device; the oldest is dropped past it (`SIGNALING_QUEUE_CAP`).
    public static let queueCap = Setting<Int>.integer("queueCapPerDevice", in: 1...100_000, default: 100, reload: .reconnect)
    /// The relayed signaling message types.
    public static let messageTypes = Setting<[String]>.stringList(
        "messageTypes",
        default: ["offer", "answer", "ice-candidate"],
        reload: .reconnect
    )
    /// Messages a second per socket (token bucket) (`SIGNALING_MESSAGES_PER_SECOND`).
    public static let messagesPerSecond = Setting<Double>.number("messagesPerSecond", default: 50, reload: .reconnect)
    /// The socket token bucket's burst (`SIGNALING_MESSAGE_BURST`).
    public static let messageBurst = Setting<Int>.integer("messageBurst", in: 1...100_000, default: 100, reload: .reconnect)
    /// Invalid frames within ``invalidMessageWindow`` before the socket is closed with 1008 (`SIGNALING_MAX_INVALID_MESSAGES`).
    public static let maxInvalidMessages = Setting<Int>.integer("maxInvalidMessages", in: 0...100_000, default: 10, reload: .reconnect)
    /// The window ``maxInvalidMessages`` counts over.
    public static let invalidMessageWindow = Setting<Duration>.duration("invalidMessageWindow", default: .seconds(60), reload: .reconnect)
    /// How often connected devices' lastSeen is refreshed (at least three times per online window).
    public static let presenceRefreshInterval = Setting<Duration>.duration("presenceRefreshInterval", default: .seconds(60))
    /// Networks whose `coordinator_count` series are kept; the rest sum under network="other" (`METRICS_MAX_NETWORK_SERIES`).
    public static let metricsMaxNetworkSeries = Setting<Int>.integer("metricsMaxNetworkSeries", in: 0...10_000, default: 100)

    /// Every setting's spec, by name, for the handler catalog.
    public static let specs: [String: SettingSpec] = Dictionary(
        uniqueKeysWithValues: [
            (minCoordinatorsPerNetwork.name, minCoordinatorsPerNetwork.spec), (queueCap.name, queueCap.spec),
            (messageTypes.name, messageTypes.spec), (messagesPerSecond.name, messagesPerSecond.spec),
            (messageBurst.name, messageBurst.spec), (maxInvalidMessages.name, maxInvalidMessages.spec),
            (invalidMessageWindow.name, invalidMessageWindow.spec), (presenceRefreshInterval.name, presenceRefreshInterval.spec),
            (metricsMaxNetworkSeries.name, metricsMaxNetworkSeries.spec),
        ]
    )
}
