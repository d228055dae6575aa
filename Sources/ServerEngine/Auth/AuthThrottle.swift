import Foundation
import ServerConfig
import Synchronization

/// Slows, then refuses, client IPs that keep presenting invalid tokens (as nextcloud-spreed-signaling does with its
/// brute-force protection), without affecting other IPs.
///
/// Failures are counted per IP in a sliding window (`authThrottle.window`). Past `slowAfter` failures the caller
/// waits ``failureDelay(ip:config:now:)`` before its failure is answered; past `maxFailures` the IP is refused for
/// `blockFor` without its tokens being checked. The configuration is passed on every call, so reloaded values apply.
///
/// ```swift
/// if let retryAfter = throttle.blockedFor(ip: ip, config: limits.authThrottle, now: now) { /* 429, Retry-After */ }
/// // … token invalid:
/// let delay = throttle.recordFailure(ip: ip, config: limits.authThrottle, now: now)
/// ```
public final class AuthThrottle: Sendable {
    private struct Entry {
        var failures: [Date] = []
        var blockedUntil: Date?
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var callsSincePrune = 0
    }

    private let state = Mutex(State())

    /// Creates an empty throttle.
    public init() {}

    /// Seconds the IP stays refused (at least 1), or nil when it may try.
    public func blockedFor(ip: String, config: AuthThrottleConfig, now: Date) -> Int? {
        guard config.maxFailures > 0 else { return nil }
        return state.withLock { state in
            guard let until = state.entries[ip]?.blockedUntil, until > now else { return nil }
            return max(1, Int(until.timeIntervalSince(now).rounded(.up)))
        }
    }

    /// Counts a failure; returns how long to delay its answer (zero until `slowAfter` failures) and whether the IP is
    /// now refused.
    @discardableResult
    public func recordFailure(ip: String, config: AuthThrottleConfig, now: Date) -> (delay: Duration, blocked: Bool) {
        guard config.maxFailures > 0 else { return (.zero, false) }
        let window = config.window.seconds
        return state.withLock { state in
            state.callsSincePrune += 1
            if state.callsSincePrune >= 1024 {
                state.callsSincePrune = 0
                state.entries = state.entries.filter { entry in
                    (entry.value.blockedUntil.map { $0 > now } ?? false) || entry.value.failures.contains { now.timeIntervalSince($0) < window }
                }
            }
            var entry = state.entries[ip] ?? Entry()
            entry.failures.removeAll { now.timeIntervalSince($0) >= window }
            entry.failures.append(now)
            if entry.failures.count > config.maxFailures { entry.failures.removeFirst(entry.failures.count - config.maxFailures) }
            let count = entry.failures.count
            var blocked = false
            if count >= config.maxFailures {
                entry.blockedUntil = now.addingTimeInterval(config.blockFor.seconds)
                entry.failures = []
                blocked = true
            }
            state.entries[ip] = entry
            let excess = max(0, count - config.slowAfter)
            let delay = min(config.maxDelay, config.delay * excess)
            return (delay, blocked)
        }
    }

    /// IPs with a failure record or a block (for tests).
    public var trackedCount: Int { state.withLock { $0.entries.count } }
}

extension Duration {
    /// The duration in seconds, fractions included.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
