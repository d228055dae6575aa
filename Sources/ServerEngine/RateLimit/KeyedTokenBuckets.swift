import Foundation
import Synchronization

/// In-process token buckets by key (a user or an IP address), shared by every socket of that key.
///
/// A bucket holds at most two seconds of its rate and may go into debt (``TokenBucket/Debt/allowed``): a request is
/// allowed while the bucket is not empty and then takes its whole cost, so a cost larger than the burst (one big
/// message) is still possible but pays for it afterwards. The rate is passed on every call, so a reloaded limit
/// applies at once. Buckets idle long enough to be full again are pruned (``KeyedEntries``), so memory follows the
/// active keys only.
///
/// ```swift
/// let buckets = KeyedTokenBuckets()
/// if !buckets.take("user:alice", cost: 1, rate: 100, now: Date()) { /* over the limit */ }
/// ```
package final class KeyedTokenBuckets: Sendable {
    private let state = Mutex(KeyedEntries<TokenBucket>())

    /// Creates an empty set of buckets.
    package init() {}

    /// Takes `cost` tokens from `key`'s bucket refilling at `rate` a second; false (nothing taken) if it is empty.
    package func take(_ key: String, cost: Double, rate: Double, now: Date) -> Bool {
        let burst = max(1, rate * 2)
        return state.withLock { table in
            table.countCall(droppingWhere: { $0.isFull(rate: rate, burst: burst, now: now) })
            return table.entries[key, default: TokenBucket(burst: burst, now: now)].take(
                cost: cost,
                rate: rate,
                burst: burst,
                now: now,
                debt: .allowed
            )
        }
    }

    /// How many keys have a bucket (for tests).
    package var count: Int { state.withLock { $0.count } }
}
