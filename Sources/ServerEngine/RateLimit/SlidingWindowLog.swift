import Foundation

/// The times of one key's recent events (connect attempts, invalid tokens, invalid frames), oldest first: a sliding
/// window whose expired entries are dropped from the front, so recording one costs O(1) amortised however high the
/// limit, and which keeps at most the limit's worth of entries.
///
/// ```swift
/// var attempts = SlidingWindowLog()
/// let allowed = attempts.record(now, window: 60, keep: limit) <= limit
/// ```
public struct SlidingWindowLog: Sendable {
    private var times: [Date] = []
    private var head = 0

    /// An empty log.
    public init() {}

    /// The newest event, if any is kept.
    public var last: Date? { head < times.count ? times.last : nil }

    /// Records an event at `now` and returns how many events fell within `window` seconds before it, this one
    /// included (at most `limit + 1`). Keeps at most `limit` entries.
    public mutating func record(_ now: Date, window: TimeInterval, keep limit: Int) -> Int {
        dropExpired(now, window: window)
        let count = times.count - head + 1
        times.append(now)
        if times.count - head > limit { head = times.count - limit }
        compact()
        return count
    }

    /// The events within `window` seconds before `now`.
    public mutating func count(_ now: Date, window: TimeInterval) -> Int {
        dropExpired(now, window: window)
        return times.count - head
    }

    /// Forgets every event.
    public mutating func removeAll() {
        times = []
        head = 0
    }

    /// True when no event fell within `window` seconds before `now` (the log can be forgotten).
    public func isIdle(_ now: Date, window: TimeInterval) -> Bool {
        guard let last else { return true }
        return now.timeIntervalSince(last) >= window
    }

    private mutating func dropExpired(_ now: Date, window: TimeInterval) {
        while head < times.count, now.timeIntervalSince(times[head]) >= window { head += 1 }
    }

    private mutating func compact() {
        if head > 64, head * 2 > times.count {
            times.removeFirst(head)
            head = 0
        }
    }
}
