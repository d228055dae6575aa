/// A fixed rate-limit window: the `length`-millisecond slot of the epoch that holds a moment, the same on every
/// instance (so instances sharing a store count into the same window), and the count of requests in it.
///
/// ```swift
/// let window = FixedWindow(containing: nowMs, length: 60_000)   // [start, end)
/// ```
package struct FixedWindow: Sendable, Equatable {
    /// The first millisecond of the window (since the epoch).
    package let start: Int64
    /// The first millisecond after it.
    package let end: Int64
    /// Requests counted in it.
    var count = 0

    /// The window of `length` milliseconds (at least 1) that contains `now`.
    package init(containing now: Int64, length: Int64) {
        let length = max(1, length)
        start = now - now % length
        end = start + length
    }

    /// Whole seconds from `now` until the window ends, at least 1 (the `RateLimit-Reset` and `Retry-After` value).
    package func secondsLeft(at now: Int64) -> Int {
        max(1, Int((end - now + 999) / 1000))
    }
}
