import DocumentStore
import Foundation
import ServerConfig
import Synchronization

/// Slows, then refuses, the invalid tokens of client IPs that keep presenting them (as nextcloud-spreed-signaling
/// does with its brute-force protection), without refusing a valid token from the same address.
///
/// Failures are counted per IP in a sliding window (`authThrottle.window`). Past `slowAfter` failures the caller
/// waits ``FailureVerdict/delay`` before its failure is answered; past `maxFailures` the IP is blocked for
/// `blockFor`. While it is blocked its tokens are still verified (an HMAC costs microseconds): a valid token is served
/// as from any address, an invalid one is answered as refused (429 with `Retry-After`, WebSocket close 1008) after the
/// longest delay, `maxDelay`, and keeps the block running for another `blockFor`. So many users behind one address
/// (carrier-grade NAT, an office, a proxy) are not locked out by one guesser among them, and a guesser gets no more
/// than one answer per `maxDelay` per connection however long it keeps trying. The configuration is passed on every
/// call, so reloaded values apply.
///
/// ```swift
/// // … token invalid:
/// let verdict = throttle.recordFailure(ip: ip, config: limits.authThrottle, now: now)
/// try await Task.sleep(for: verdict.delay)
/// if let retryAfter = verdict.refusedFor { /* 429, Retry-After */ } else { /* 401 */ }
/// ```
package final class AuthThrottle: Sendable {
    /// What one failure means for its address.
    package struct FailureVerdict: Sendable, Equatable {
        /// How long to wait before the failure is answered.
        package var delay: Duration
        /// True when this failure started a block.
        package var blocked: Bool
        /// When the address was already blocked: the seconds left of its (extended) block, at least 1; the failure is
        /// answered as refused. Nil when the failure is answered as itself.
        package var refusedFor: Int?
    }

    private struct Entry {
        var failures = SlidingWindowLog()
        var blockedUntil: Date?
    }

    private let state = Mutex(KeyedEntries<Entry>())

    /// Creates an empty throttle.
    package init() {}

    /// Seconds the IP stays blocked (at least 1), or nil when it is not blocked.
    package func blockedFor(ip: String, config: AuthThrottleConfig, now: Date) -> Int? {
        guard config.maxFailures > 0 else { return nil }
        return state.withLock { state in
            guard let until = state.entries[ip]?.blockedUntil, until > now else { return nil }
            return Self.seconds(until, after: now)
        }
    }

    /// Counts a failure and says how to answer it: the delay (zero until `slowAfter` failures, `maxDelay` while
    /// blocked), whether it starts a block, and whether the address was blocked already.
    package func recordFailure(ip: String, config: AuthThrottleConfig, now: Date) -> FailureVerdict {
        guard config.maxFailures > 0 else { return FailureVerdict(delay: .zero, blocked: false, refusedFor: nil) }
        let window = config.window.seconds
        return state.withLock { state in
            state.countCall(droppingWhere: { entry in
                !(entry.blockedUntil.map { $0 > now } ?? false) && entry.failures.isIdle(now, window: window)
            })
            var entry = state.entries[ip] ?? Entry()
            if let until = entry.blockedUntil, until > now {
                let extended = max(until, now.addingTimeInterval(config.blockFor.seconds))
                entry.blockedUntil = extended
                state.entries[ip] = entry
                return FailureVerdict(delay: config.maxDelay, blocked: false, refusedFor: Self.seconds(extended, after: now))
            }
            let count = min(config.maxFailures, entry.failures.record(now, window: window, keep: config.maxFailures))
            var blocked = false
            if count >= config.maxFailures {
                entry.blockedUntil = now.addingTimeInterval(config.blockFor.seconds)
                entry.failures.removeAll()
                blocked = true
            }
            state.entries[ip] = entry
            let excess = max(0, count - config.slowAfter)
            let delay = min(config.maxDelay, config.delay * excess)
            return FailureVerdict(delay: delay, blocked: blocked, refusedFor: nil)
        }
    }

    private static func seconds(_ until: Date, after now: Date) -> Int {
        max(1, Int(until.timeIntervalSince(now).rounded(.up)))
    }
}
