/// The per-key state of an in-process limiter (a user's bucket, an address's failures, a limit's window), with the
/// one pruning policy every limiter shares: each 1024th call drops the entries that no longer hold anything (an idle
/// bucket that is full again, a window that is over), so memory follows the active keys only and a call costs O(1)
/// amortised.
///
/// ```swift
/// var buckets = KeyedEntries<TokenBucket>()
/// buckets.countCall(droppingWhere: { $0.isFull(rate: rate, burst: burst, now: now) })
/// let allowed = buckets.entries[key, default: TokenBucket(burst: burst, now: now)].take(cost: 1, rate: rate, burst: burst, now: now)
/// ```
package struct KeyedEntries<Entry> {
    /// How many calls pass between two prunings.
    package static var pruneInterval: Int { 1024 }

    /// The entries by key; read and change them directly.
    package var entries: [String: Entry] = [:]
    private var callsSincePrune = 0

    /// Creates an empty table.
    package init() {}

    /// Counts one call; on every ``pruneInterval``th, drops the entries for which `isStale` is true.
    package mutating func countCall(droppingWhere isStale: (Entry) -> Bool) {
        callsSincePrune += 1
        guard callsSincePrune >= Self.pruneInterval else { return }
        callsSincePrune = 0
        entries = entries.filter { !isStale($0.value) }
    }

    /// How many keys have an entry.
    package var count: Int { entries.count }
}
