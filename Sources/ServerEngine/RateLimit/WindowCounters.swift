import Synchronization

/// In-process fixed-window counters by key, for rate limits whose counters live in the process: the count of
/// the current window, reset when a new window starts. Keys whose window is over are forgotten now and then, so
/// memory follows the active keys only.
///
/// ```swift
/// let counters = WindowCounters()
/// let count = counters.increment("announce|user:alice", windowStart: start, windowEnd: start + 60_000, now: now)
/// ```
final class WindowCounters: Sendable {
    private struct Window {
        var start: Int64
        var end: Int64
        var count: Int
    }

    private struct State {
        var windows: [String: Window] = [:]
        var callsSincePrune = 0
    }

    private let state = Mutex(State())

    /// Counts one request for `key` in the window `[windowStart, windowEnd)` (milliseconds); returns the count so far.
    func increment(_ key: String, windowStart: Int64, windowEnd: Int64, now: Int64) -> Int {
        state.withLock { state in
            state.callsSincePrune += 1
            if state.callsSincePrune >= 1024 {
                state.callsSincePrune = 0
                state.windows = state.windows.filter { $0.value.end > now }
            }
            var window = state.windows[key] ?? Window(start: windowStart, end: windowEnd, count: 0)
            if window.start != windowStart { window = Window(start: windowStart, end: windowEnd, count: 0) }
            window.count += 1
            state.windows[key] = window
            return window.count
        }
    }

    /// How many keys have a window (for tests).
    var count: Int { state.withLock { $0.windows.count } }
}
