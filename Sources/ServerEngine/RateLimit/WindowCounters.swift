import Synchronization

/// In-process fixed-window counters by key, for rate limits whose counters live in the process: the count of
/// the current window, reset when a new window starts. Windows that are over are pruned (``KeyedEntries``), so
/// memory follows the active keys only.
///
/// ```swift
/// let counters = WindowCounters()
/// let count = counters.increment("announce|user:alice", in: FixedWindow(containing: now, length: 60_000), now: now)
/// ```
package final class WindowCounters: Sendable {
    private let state = Mutex(KeyedEntries<FixedWindow>())

    /// Creates an empty set of counters.
    package init() {}

    /// Counts one request for `key` in `window`; returns the count so far.
    package func increment(_ key: String, in window: FixedWindow, now: Int64) -> Int {
        state.withLock { table in
            table.countCall(droppingWhere: { $0.end <= now })
            var current = table.entries[key] ?? window
            if current.start != window.start { current = window }
            current.count += 1
            table.entries[key] = current
            return current.count
        }
    }

    /// How many keys have a window (for tests).
    package var count: Int { state.withLock { $0.count } }
}
