/// A device whose presence may have changed (announced, connected, swept, promoted, left), with the network it is
/// announced in when the source knows it. The feed reads the device again before it tells anyone, so a change that
/// turns out to be none (a re-announce that only refreshed `lastSeen`) sends nothing.
struct PresenceChange: Sendable, Hashable {
    /// The device.
    var deviceId: String
    /// Its network as the source saw it; nil when unknown (the feed then checks every network it lists the device in).
    var networkId: String?
}
