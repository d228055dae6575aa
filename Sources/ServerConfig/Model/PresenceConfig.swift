/// Presence push on the signaling socket, from limits.yaml's `presence:` section.
///
/// Subscribers (a socket that sent `presence_subscribe`) get their network's joins and leaves batched: at most one
/// `presence_diff` per network per `diffInterval`, none when nothing changed. The interval is read at every batch, so
/// a reload (SIGHUP) applies from the next one.
///
/// ```yaml
/// presence:
///   diffInterval: 1s
/// ```
public struct PresenceConfig: Sendable, Equatable {
    /// How often a network's changes are sent to its subscribers, one diff per network. Default 1s
    /// (`presence.diffInterval`); at least 10ms, at most 1m.
    public var diffInterval: Duration

    /// Creates a presence configuration; every argument has the documented default.
    public init(diffInterval: Duration = .seconds(1)) {
        self.diffInterval = diffInterval
    }
}
