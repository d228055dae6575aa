#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A clock that only moves when told to, for tests. Thread-safe.
///
/// ```swift
/// let clock = ManualWallClock()
/// let store = MemoryStore(clock: clock)
/// clock.advance(by: .seconds(601))
/// _ = await store.reapExpiredDocuments()
/// ```
public final class ManualWallClock: WallClock {
    private let current: LockedValue<Date>

    /// A clock showing `start`; by default 2024-01-01T00:00:00Z, a whole second so that dates
    /// survive millisecond truncation unchanged.
    public init(_ start: Date = Date(timeIntervalSince1970: 1_704_067_200)) {
        self.current = LockedValue(start)
    }

    /// The time the clock shows.
    public func now() -> Date {
        current.withLock { $0 }
    }

    /// Moves the clock forward (or back, for a negative interval).
    public func advance(by interval: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(interval) }
    }

    /// Moves the clock forward by a `Duration`.
    public func advance(by duration: Duration) {
        advance(by: duration.seconds)
    }

    /// Sets the clock to `date`.
    public func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}
