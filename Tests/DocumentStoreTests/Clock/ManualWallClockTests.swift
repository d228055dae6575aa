import DocumentStore
import Foundation
import Testing

/// Waiting on the manual clock: moving it wakes exactly the sleepers that are due.
@Suite struct ManualWallClockTests {
    @Test func advancingWakesTheSleepersThatAreDueAndNoOthers() async throws {
        let clock = ManualWallClock()
        let start = clock.now()
        let sleepers = [30, 10, 20].map { seconds in
            Task {
                try await clock.sleep(for: .seconds(seconds))
                return clock.now().timeIntervalSince(start)
            }
        }
        try await clock.waitForSleepers(3)
        clock.advance(by: .seconds(9))
        #expect(clock.sleeperCount == 3, "none is due")
        clock.advance(by: .seconds(11))  // 20 s: two are due, and woken before advance returns
        #expect(clock.sleeperCount == 1)
        #expect(try await sleepers[1].value == 20)
        #expect(try await sleepers[2].value == 20)
        clock.set(start.addingTimeInterval(30))
        #expect(try await sleepers[0].value == 30)
        #expect(clock.sleeperCount == 0)
    }

    @Test func aDeadlineThatHasPassedReturnsAtOnce() async throws {
        let clock = ManualWallClock()
        try await clock.sleep(until: clock.now())
        try await clock.sleep(for: .zero)
        #expect(clock.sleeperCount == 0)
    }

    @Test func cancellingASleeperEndsItsSleepWithCancellationError() async throws {
        let clock = ManualWallClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(60)) }
        try await clock.waitForSleepers(1)
        sleeper.cancel()
        try await clock.waitForSleepers(0)
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        let cancelledFirst = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(for: .seconds(60))
        }
        await #expect(throws: CancellationError.self) { try await cancelledFirst.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func waitingForSleepersThatNeverComeTimesOut() async throws {
        let clock = ManualWallClock()
        let error = await #expect(throws: ManualWallClock.SleepersTimeout.self) {
            try await clock.waitForSleepers(1, timeout: .milliseconds(10))
        }
        #expect(error?.description.contains("expected 1 sleepers") == true)
    }
}
