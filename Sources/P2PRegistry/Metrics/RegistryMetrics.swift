import ServerEngine

/// The registry's own metric names and the helpers that update them, on the engine's per-instance registry.
///
/// The spec's `signaling_messages_per_minute` is `rate(signaling_messages_total[1m]) * 60` in PromQL.
enum RegistryMetrics {
    static let activeDevices = "active_devices"
    static let activeNetworks = "active_networks"
    static let coordinatorCount = "coordinator_count"
    static let signalingMessages = "signaling_messages_total"
    static let delivered = "signaling_messages_delivered_total"
    static let queued = "signaling_messages_queued_total"
    static let dropped = "signaling_messages_dropped_total"
    static let rejected = "signaling_messages_rejected_total"
    static let drained = "signaling_messages_drained_total"
    static let forwarded = "signaling_messages_forwarded_total"
    static let diverted = "signaling_messages_diverted_total"
    static let slowConsumerCloses = "signaling_slow_consumer_closes_total"
    static let presenceSubscribers = "presence_subscribers"
    static let presenceStates = "presence_states_sent_total"
    static let presenceDiffs = "presence_diffs_sent_total"
    static let presenceSlowCloses = "presence_slow_subscriber_closes_total"

    /// Counts signaling messages; `amount` may be zero, which only makes the series appear.
    static func count(_ name: String, _ amount: Int = 1, on metrics: EngineMetrics) {
        metrics.increment(name, help: help[name] ?? name, by: amount)
    }

    /// Makes every signaling counter appear at zero, so a scrape before the first message shows them.
    static func registerSignalingCounters(on metrics: EngineMetrics) {
        for name in [
            signalingMessages, delivered, queued, dropped, rejected, drained, forwarded, diverted, slowConsumerCloses, presenceStates, presenceDiffs,
            presenceSlowCloses,
        ] {
            count(name, 0, on: metrics)
        }
    }

    /// The signaling counters of one engine, resolved once for the relay's hot path.
    struct Signaling: Sendable {
        let messages: CounterHandle
        let delivered: CounterHandle
        let queued: CounterHandle
        let dropped: CounterHandle
        let rejected: CounterHandle
        let forwarded: CounterHandle
        let diverted: CounterHandle
        let slowConsumerCloses: CounterHandle

        init(_ metrics: EngineMetrics) {
            func handle(_ name: String) -> CounterHandle { metrics.counterHandle(name, help: help[name] ?? name) }
            messages = handle(signalingMessages)
            delivered = handle(RegistryMetrics.delivered)
            queued = handle(RegistryMetrics.queued)
            dropped = handle(RegistryMetrics.dropped)
            rejected = handle(RegistryMetrics.rejected)
            forwarded = handle(RegistryMetrics.forwarded)
            diverted = handle(RegistryMetrics.diverted)
            slowConsumerCloses = handle(RegistryMetrics.slowConsumerCloses)
        }
    }

    static let help: [String: String] = [
        signalingMessages: "Signaling messages accepted from sockets (relayed live or queued); rate(...[1m])*60 is the spec's per-minute figure",
        delivered: "Signaling messages written to a recipient's socket (live relays and queued messages flushed on connect)",
        queued: "Signaling messages stored for a recipient that is not connected here",
        dropped: "Queued signaling messages dropped by the per-device queue cap",
        rejected: "Signaling frames refused with an error frame",
        drained: "Queued signaling messages returned by the HTTP drain",
        forwarded: "Signaling messages handed to the instance the recipient is connected to (several instances on one MongoDB)",
        diverted: "Live signaling messages sent to the offline queue because the recipient's send buffer was full (a slow receiver)",
        slowConsumerCloses: "Signaling sockets closed with 1013 because their receiver fell too far behind",
        presenceSubscribers: "Sockets subscribed to presence push on this instance (updated at each presence.diffInterval)",
        presenceStates: "presence_state frames sent (one per subscribe, and when a subscriber's device moves to another network)",
        presenceDiffs: "presence_diff frames sent (one per subscriber of a network that changed, per presence.diffInterval)",
        presenceSlowCloses: "Presence subscribers closed with 1013 because their send buffer could not take a presence frame",
    ]
}
