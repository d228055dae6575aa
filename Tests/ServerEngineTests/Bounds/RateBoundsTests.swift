import Foundation
import ServerConfig
import ServerEngine
import Testing

/// The in-process accounting behind limits.yaml's WebSocket and authentication bounds.
@Suite struct RateBoundsTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func tokenBucketsAllowABurstOfTwoSecondsThenTheRatePerKey() {
        let buckets = KeyedTokenBuckets()
        let allowed = (0..<30).filter { _ in buckets.take("u:alice", cost: 1, rate: 10, now: start) }.count
        #expect(allowed == 20)
        // Another key has its own bucket.
        #expect(buckets.take("u:bob", cost: 1, rate: 10, now: start))
        // Half a second refills five tokens.
        let later = (0..<10).filter { _ in buckets.take("u:alice", cost: 1, rate: 10, now: start.addingTimeInterval(0.5)) }.count
        #expect(later == 5)
    }

    @Test func aCostLargerThanTheBurstPassesOnceThenPaysItsDebt() {
        let buckets = KeyedTokenBuckets()
        #expect(buckets.take("i:1.2.3.4", cost: 5000, rate: 1000, now: start))
        #expect(!buckets.take("i:1.2.3.4", cost: 1, rate: 1000, now: start))
        // 5000 - 2000 = 3000 bytes of debt: refused until three seconds have passed.
        #expect(!buckets.take("i:1.2.3.4", cost: 1, rate: 1000, now: start.addingTimeInterval(2.9)))
        #expect(buckets.take("i:1.2.3.4", cost: 1, rate: 1000, now: start.addingTimeInterval(3.1)))
    }

    @Test func admissionEnforcesTheProcessUserAndIPCaps() {
        let admission = ConnectionAdmission()
        let limits = WebSocketLimits(maxConnections: 3, maxConnectionsPerUser: 2, maxConnectionsPerIP: 2)
        var tickets: [ConnectionAdmission.Ticket] = []
        func admit(_ user: String, _ ip: String) -> ConnectionAdmission.Refusal? {
            switch admission.admit(user: user, ip: ip, limits: limits, now: start) {
            case .admitted(let ticket):
                tickets.append(ticket)
                return nil
            case .refused(let refusal):
                return refusal
            }
        }
        #expect(admit("alice", "10.0.0.1") == nil)
        #expect(admit("alice", "10.0.0.2") == nil)
        #expect(admit("alice", "10.0.0.3")?.limit == "maxConnectionsPerUser")
        #expect(admit("alice", "10.0.0.3")?.closeCode == 1008)
        #expect(admit("bob", "10.0.0.1") == nil)
        #expect(admit("carol", "10.0.0.1")?.limit == "maxConnections")  // three open: the process is full
        #expect(admit("carol", "10.0.0.1")?.closeCode == 1013)
        admission.release(tickets.removeFirst())  // alice on 10.0.0.1
        #expect(admit("carol", "10.0.0.1") == nil)
        #expect(admission.openCount == 3)
        admission.release(tickets.removeFirst())
        #expect(admit("dave", "10.0.0.1")?.limit == "maxConnectionsPerIP")  // bob and carol are on it
    }

    @Test func connectsPerMinuteSlideAndCountRefusedAttempts() {
        let admission = ConnectionAdmission()
        let limits = WebSocketLimits(connectsPerMinutePerUser: 3)
        func attempt(at seconds: Double) -> String? {
            switch admission.admit(user: "alice", ip: nil, limits: limits, now: start.addingTimeInterval(seconds)) {
            case .admitted(let ticket):
                admission.release(ticket)
                return nil
            case .refused(let refusal):
                return refusal.limit
            }
        }
        #expect(attempt(at: 0) == nil)
        #expect(attempt(at: 10) == nil)
        #expect(attempt(at: 20) == nil)
        #expect(attempt(at: 30) == "connectsPerMinutePerUser")
        // Hammering keeps it refused: every attempt counts.
        #expect(attempt(at: 65) == "connectsPerMinutePerUser")
        #expect(attempt(at: 200) == nil)
    }

    @Test func authThrottleDelaysThenBlocksOneIPOnly() {
        let throttle = AuthThrottle()
        let config = AuthThrottleConfig(
            window: .seconds(60),
            slowAfter: 2,
            delay: .milliseconds(100),
            maxDelay: .milliseconds(250),
            maxFailures: 5,
            blockFor: .seconds(30)
        )
        let delays: [Duration] = (0..<4).map { _ in throttle.recordFailure(ip: "10.0.0.9", config: config, now: start).delay }
        #expect(delays == [.zero, .zero, .milliseconds(100), .milliseconds(200)])
        #expect(throttle.blockedFor(ip: "10.0.0.9", config: config, now: start) == nil)
        let fifth = throttle.recordFailure(ip: "10.0.0.9", config: config, now: start)
        #expect(fifth.blocked)
        #expect(fifth.delay == .milliseconds(250))
        #expect(throttle.blockedFor(ip: "10.0.0.9", config: config, now: start.addingTimeInterval(1)) == 29)
        #expect(throttle.blockedFor(ip: "10.0.0.10", config: config, now: start) == nil)
        #expect(throttle.blockedFor(ip: "10.0.0.9", config: config, now: start.addingTimeInterval(31)) == nil)
        // maxFailures 0 disables it.
        var off = config
        off.maxFailures = 0
        #expect(throttle.recordFailure(ip: "10.0.0.11", config: off, now: start).delay == .zero)
    }

    @Test func authFailuresOutsideTheWindowAreForgotten() {
        let throttle = AuthThrottle()
        let config = AuthThrottleConfig(window: .seconds(10), slowAfter: 100, maxFailures: 3)
        for second in [0.0, 11, 22, 33] {
            #expect(!throttle.recordFailure(ip: "10.0.0.9", config: config, now: start.addingTimeInterval(second)).blocked)
        }
    }
}
