import Foundation

/// A token bucket: refills at `rate` tokens a second up to `burst`. The rate and burst are passed on every call, so
/// a reloaded limit applies at once. Used per key by ``KeyedTokenBuckets`` and per socket by the application.
///
/// ```swift
/// var bucket = TokenBucket(burst: 20, now: now)
/// if !bucket.take(cost: 1, rate: 10, burst: 20, now: now) { /* over the limit */ }
/// ```
public struct TokenBucket: Sendable {
    /// What a bucket does with a cost larger than what it holds.
    public enum Debt: Sendable {
        /// A take succeeds while the bucket is not empty and then takes its whole cost, going below zero: a cost
        /// larger than the burst (one big message) is still possible but pays for it afterwards.
        case allowed
        /// A take succeeds only when the bucket holds the whole cost.
        case refused
    }

    private var tokens: Double
    private var last: Date

    /// A full bucket of `burst` tokens (at least 1) at `now`.
    public init(burst: Double, now: Date) {
        self.tokens = max(1, burst)
        self.last = now
    }

    /// Refills the bucket for the time since the last call, then takes `cost` tokens; false (nothing taken) when
    /// the bucket cannot pay under `debt`.
    public mutating func take(cost: Double, rate: Double, burst: Double, now: Date, debt: Debt = .refused) -> Bool {
        let burst = max(1, burst)
        tokens = min(burst, tokens + max(0, now.timeIntervalSince(last)) * rate)
        last = now
        switch debt {
        case .allowed: guard tokens > 0 else { return false }
        case .refused: guard tokens >= cost else { return false }
        }
        tokens -= cost
        return true
    }

    /// True when the bucket has been idle long enough at `now` to be full again (it can be forgotten).
    public func isFull(rate: Double, burst: Double, now: Date) -> Bool {
        tokens + max(0, now.timeIntervalSince(last)) * rate >= max(1, burst)
    }
}
