import Foundation
import HTTPTypes
import Logging
import ServerConfig

/// A token bucket for per-socket message rates: `rate` tokens a second, at most `burst` saved up.
struct TokenBucket {
    let rate: Double
    let burst: Double
    private var tokens: Double
    private var last: Date

    init(rate: Double, burst: Double, now: Date) {
        self.rate = rate
        self.burst = max(1, burst)
        self.tokens = max(1, burst)
        self.last = now
    }

    /// Takes a token if one is available.
    mutating func take(now: Date) -> Bool {
        let elapsed = max(0, now.timeIntervalSince(last))
        tokens = min(burst, tokens + elapsed * rate)
        last = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
