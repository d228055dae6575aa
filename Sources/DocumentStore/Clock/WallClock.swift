#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one clock of the whole server, for reading the time and for waiting: presence windows, TTLs,
/// rate-limit windows and job schedules read it, and the job scheduler, the cluster bus, presence refreshes
/// and the store's retries wait on it, so tests move time by hand instead of sleeping
/// (``ManualWallClock``).
///
/// Time is wall time (`Date`), as stored in documents. Outside it, on purpose:
/// - elapsed-time measurements for metrics and logs (`durationMs`) use `ContinuousClock`: they time work,
///   they do not schedule it;
/// - timers inside NIO channel handlers (the WebSocket ping sweep, the handshake timeout, the close
///   watchdog) run on their event loop's clock;
/// - timeouts that guard real I/O (the readiness probe's store ping) and the authentication throttle's delay,
///   which slows one answer, stay in real time.
///
/// ```swift
/// struct Announce {
///     let clock: any WallClock
///     func expiry() -> Date { clock.now().addingTimeInterval(600) }
///     func retryLater() async throws { try await clock.sleep(for: .seconds(1)) }
/// }
/// ```
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> Date

    /// Suspends until the clock shows `deadline` or later; returns at once for a deadline not after now.
    /// Throws `CancellationError` when the task is cancelled first.
    func sleep(until deadline: Date) async throws

    /// Suspends for `duration` of this clock's time; throws `CancellationError` when the task is cancelled first.
    func sleep(for duration: Duration) async throws
}

extension WallClock {
    /// Sleeps until `now() + duration`.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now().addingTimeInterval(duration.seconds))
    }
}

/// The system's real-time clock. Waits run on the monotonic clock, so a change of the system time
/// does not stretch or cut a sleep already started.
public struct SystemWallClock: WallClock {
    /// A system clock.
    public init() {}

    /// `Date()`.
    public func now() -> Date {
        Date()
    }

    /// Sleeps for the time from now to `deadline` (none when it has passed).
    public func sleep(until deadline: Date) async throws {
        try await sleep(for: .seconds(max(0, deadline.timeIntervalSince(now()))))
    }

    /// `Task.sleep(for:)` on the continuous clock.
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
