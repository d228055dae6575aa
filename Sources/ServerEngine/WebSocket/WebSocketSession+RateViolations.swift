import Logging
import ServerConfig
import Synchronization

extension WebSocketSession {
    /// Counts an incoming message that a rate refused (the engine's per-user and per-IP rates of
    /// ``admitMessage(bytes:)``, or a rate of the application's own), after the application answered it. Once more
    /// than `websocket.maxRateViolations` came in a row, the socket is closed with 1008 ("Too many messages"), counted
    /// in `websocket_limit_rejections_total{limit="maxRateViolations"}` and logged to `logger` (default: the
    /// session's). Returns true when the socket is closing for it: the application should handle no more messages.
    /// The limit is read now, so a reloaded value applies.
    @discardableResult
    public func recordRateViolation(logger: Logger? = nil) -> Bool {
        let allowed = services.configuration.limits.webSocket.maxRateViolations
        let count = rateViolations.wrappingAdd(1, ordering: .relaxed).newValue
        guard count > allowed else { return false }
        // Closed once, by the violation that passed the bound; later ones (already in flight) only hear it is closing.
        if count == allowed + 1 {
            services.metrics.recordWebSocketLimitRejection(limit: "maxRateViolations")
            (logger ?? self.logger).notice("closing socket after repeated rate limit violations", metadata: ["count": "\(count)"])
            close(.policyViolation, reason: "Too many messages")
        }
        return true
    }

    /// An incoming message was not refused by a rate (it was relayed, or refused for another reason): the count of
    /// violations in a row starts again.
    public func resetRateViolations() {
        rateViolations.store(0, ordering: .relaxed)
    }
}
