import Logging
import Synchronization

/// Logs an event that an attacker can repeat at will at most once per `interval`, with the count of the events
/// left out since the last line, so a flood cannot flood the log.
///
/// ```swift
/// let refusals = BoundedRateLog(interval: .seconds(1))
/// refusals.notice("connection refused", logger: logger, metadata: ["limit": "maxConnectionsPerIP"])
/// ```
final class BoundedRateLog: Sendable {
    private struct State {
        var last: ContinuousClock.Instant?
        var suppressed = 0
    }

    private let state = Mutex(State())
    private let interval: Duration

    init(interval: Duration = .seconds(1)) {
        self.interval = interval
    }

    /// Logs `message` at notice level unless a line was written less than `interval` ago.
    func notice(_ message: Logger.Message, logger: Logger, metadata: Logger.Metadata = [:]) {
        let now = ContinuousClock.now
        let suppressed = state.withLock { state -> Int? in
            if let last = state.last, now - last < interval {
                state.suppressed += 1
                return nil
            }
            state.last = now
            defer { state.suppressed = 0 }
            return state.suppressed
        }
        guard let suppressed else { return }
        var metadata = metadata
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        logger.notice(message, metadata: metadata)
    }
}
