/// When an edit of a configuration key takes effect after a live reload (SIGHUP).
public enum ReloadBehaviour: String, Sendable, Equatable, CaseIterable {
    /// Put in force at once: the next request, message or tick reads the new value.
    case live = "applied live"
    /// Put in force for new connections; an open WebSocket keeps the value it started with until it reconnects.
    case reconnect = "needs reconnect"
    /// Bound at start-up: a reload reports the edit and keeps the running value.
    case restart = "needs restart"
}
