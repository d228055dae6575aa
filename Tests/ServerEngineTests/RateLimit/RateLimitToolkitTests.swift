import Foundation
import ServerEngine
import Testing

/// The pieces every in-process limiter is built from: the token bucket, the sliding window log, the fixed window and
/// the one pruning policy.
@Suite struct RateLimitToolkitTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aBucketThatRefusesDebtNeedsTheWholeCost() {
        var bucket = TokenBucket(burst: 2, now: start)
        let takes = [0, 0, 0, 0.5, 1].map { bucket.take(cost: 1, rate: 1, burst: 2, now: start.addingTimeInterval($0)) }
        // Two from the burst, none left; half a second refills half a token, not a whole one; a second does.
        #expect(takes == [true, true, false, false, true])
    }

    @Test func aBucketThatAllowsDebtTakesABigCostOnceThenPaysForIt() {
        var bucket = TokenBucket(burst: 2, now: start)
        let big = bucket.take(cost: 10, rate: 1, burst: 2, now: start, debt: .allowed)
        // Eight tokens in debt: refused until nine seconds have refilled it above zero.
        let later = [8.0, 9].map { bucket.take(cost: 1, rate: 1, burst: 2, now: start.addingTimeInterval($0), debt: .allowed) }
        #expect(big)
        #expect(later == [false, true])
    }

    @Test func aBucketIsFullAgainOnlyWhenItsDebtIsRepaidAndTheBurstRefilled() {
        var bucket = TokenBucket(burst: 2, now: start)
        #expect(bucket.isFull(rate: 1, burst: 2, now: start))
        _ = bucket.take(cost: 5, rate: 1, burst: 2, now: start, debt: .allowed)
        #expect(!bucket.isFull(rate: 1, burst: 2, now: start.addingTimeInterval(4)))
        #expect(bucket.isFull(rate: 1, burst: 2, now: start.addingTimeInterval(5)))
    }

    @Test func aSlidingLogCountsTheEventsWithinItsWindowAndKeepsAtMostItsLimit() {
        var log = SlidingWindowLog()
        let counts = (0..<5).map { log.record(start.addingTimeInterval(Double($0)), window: 60, keep: 3) }
        // The count includes the new event, stops one past the limit, and the log never holds more than the limit.
        #expect(counts == [1, 2, 3, 4, 4])
        let kept = log.count(start.addingTimeInterval(4), window: 60)
        // The kept events were at 2, 3 and 4 s: at 62.5 s only the one at 3 s and the one at 4 s are within the minute.
        let withinTheMinute = log.count(start.addingTimeInterval(62.5), window: 60)
        #expect(kept == 3)
        #expect(withinTheMinute == 2)
        #expect(!log.isIdle(start.addingTimeInterval(63.9), window: 60))
        #expect(log.isIdle(start.addingTimeInterval(64), window: 60))
        log.removeAll()
        #expect(log.isIdle(start, window: 60))
        let afterReset = log.record(start, window: 60, keep: 3)
        #expect(afterReset == 1)
    }

    @Test func aSlidingLogCountsOnlyItsWindowOverALongRun() {
        var log = SlidingWindowLog()
        for second in 0..<10_000 { _ = log.record(start.addingTimeInterval(Double(second)), window: 10, keep: 1_000) }
        let lastTenSeconds = log.count(start.addingTimeInterval(9_999), window: 10)
        #expect(lastTenSeconds == 10)
    }

    @Test func aFixedWindowIsTheSameSlotOfTheEpochEverywhere() {
        let window = FixedWindow(containing: 125_500, length: 60_000)
        #expect(window.start == 120_000)
        #expect(window.end == 180_000)
        #expect(window.secondsLeft(at: 125_500) == 55)
        #expect(window.secondsLeft(at: 179_999) == 1)
        #expect(FixedWindow(containing: 179_999, length: 60_000) == window)
        #expect(FixedWindow(containing: 180_000, length: 60_000).start == 180_000)
        // A zero length is one millisecond, never a division by zero.
        #expect(FixedWindow(containing: 7, length: 0).end == 8)
    }

    @Test func windowCountersRestartInANewWindowAndForgetWindowsThatAreOver() {
        let counters = WindowCounters()
        let first = FixedWindow(containing: 1_000, length: 60_000)
        #expect(counters.increment("a", in: first, now: 1_000) == 1)
        #expect(counters.increment("a", in: first, now: 2_000) == 2)
        let second = FixedWindow(containing: 61_000, length: 60_000)
        #expect(counters.increment("a", in: second, now: 61_000) == 1)
        // Keys of the first window only, then a prune's worth of calls in a later window: they are dropped.
        for key in 0..<100 { _ = counters.increment("old\(key)", in: first, now: 3_000) }
        #expect(counters.count == 101)
        for _ in 0..<KeyedEntries<FixedWindow>.pruneInterval {
            _ = counters.increment("b", in: FixedWindow(containing: 130_000, length: 60_000), now: 130_000)
        }
        #expect(counters.count == 1)
    }

    @Test func theTablePrunesOnlyEveryIntervalthCall() {
        var table = KeyedEntries<Int>()
        table.entries = ["stale": 0, "live": 1]
        for _ in 1..<KeyedEntries<Int>.pruneInterval { table.countCall(droppingWhere: { $0 == 0 }) }
        #expect(table.count == 2)
        table.countCall(droppingWhere: { $0 == 0 })
        #expect(table.entries == ["live": 1])
    }
}
