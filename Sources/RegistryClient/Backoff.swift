import Foundation

/// Exponential backoff with jitter: attempt `n` (from 0) waits `initial * multiplier^n`, at most `maximum`, scaled by a
/// random factor (to the millisecond) in `1 - jitter ... 1`, so that many clients dropped at once do not come back at once.
public struct Backoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double
    /// The fraction of each delay that is random, from 0 (none) to 1 (anything from 0 to the delay).
    public var jitter: Double

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30), multiplier: Double = 2, jitter: Double = 0.5) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The delay before attempt `attempt` (0 for the first retry).
    public func delay(attempt: Int, random: Double = Double.random(in: 0...1)) -> Duration {
        let base = min(initial.seconds * pow(multiplier, Double(max(attempt, 0))), maximum.seconds)
        return .milliseconds(Int((base * (1 - jitter * random) * 1000).rounded()))
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
