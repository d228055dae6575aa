#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The source of the current time for the whole server: presence windows, TTLs, rate-limit
/// windows and job schedules all read it, so tests can move time without sleeping.
///
/// ```swift
/// struct Announce {
///     let clock: any WallClock
///     func expiry() -> Date { clock.now().addingTimeInterval(600) }
/// }
/// ```
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> Date
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    /// A system clock.
    public init() {}

    /// `Date()`.
    public func now() -> Date {
        Date()
    }
}
