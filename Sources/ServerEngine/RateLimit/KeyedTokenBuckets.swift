import Foundation
import Synchronization

/// In-process token buckets by key (a user or an IP address), shared by every socket of that key.
///
/// A bucket holds at most two seconds of its rate and may go into debt: a request is allowed while the bucket is
/// not empty and then takes its whole cost, so a cost larger than the burst (one big message) is still possible
/// but pays for it afterwards. The rate is passed on every call, so a reloaded limit applies at once. Buckets idle
/// long enough to be full again are forgotten, so memory follows the active keys only.
///
/// ```swift
/// let buckets = KeyedTokenBuckets()
/// if !buckets.take("user:alice", cost: 1, rate: 100, now: Date()) { /* over the limit */ }
/// ```
public final class KeyedTokenBuckets: Sendable {
    private struct Bucket {
        var tokens: Double
        var last: Date
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        var callsSincePrune = 0
    }

    private let state = Mutex(State())

    /// Creates an empty set of buckets.
    public init() {}

    /// Takes `cost` tokens from `key`'s bucket refilling at `rate` a second; false (nothing taken) if it is empty.
    public func take(_ key: String, cost: Double, rate: Double, now: Date) -> Bool {
        let burst = max(1, rate * 2)
        return state.withLock { state in
            state.callsSincePrune += 1
            if state.callsSincePrune >= 1024 {
                state.callsSincePrune = 0
                state.buckets = state.buckets.filter { now.timeIntervalSince($0.value.last) * rate < burst }
            }
            var bucket = state.buckets[key] ?? Bucket(tokens: burst, last: now)
            bucket.tokens = min(burst, bucket.tokens + max(0, now.timeIntervalSince(bucket.last)) * rate)
            bucket.last = now
            guard bucket.tokens > 0 else {
                state.buckets[key] = bucket
                return false
            }
            bucket.tokens -= cost
            state.buckets[key] = bucket
            return true
        }
    }

    /// How many keys have a bucket (for tests).
    public var count: Int { state.withLock { $0.buckets.count } }
}
