import DocumentStore
import Foundation
import Logging
import ServerConfig
import ServerEngine
import Testing

/// `runOnce`, as `registry jobs run` uses it, and its run lock in `job_leases`.
@Suite struct JobRunOnceTests {
    @Test func runOnceRunsTheJobReportsItsOutcomeAndReleasesTheRunLock() async throws {
        let harness = JobHarness(clock: ManualWallClock())
        let calls = CallLog()
        let scheduler = harness.scheduler([JobHarness.job("sweep", every: 1000)], handlers: ["sweep": calls.handler("x", changed: 7)])
        #expect(try await scheduler.runOnce("sweep") == JobOutcome(changed: 7, details: ["instance": "x"]))
        let lease = try #require(try await harness.lease("sweep"))
        #expect(lease["runningBy"] == nil)
        #expect(lease["lastFinishedAt"] != nil)
        #expect(lease["holder"] == nil)  // an extra run does not take the schedule slot
        #expect(try await scheduler.runOnce("sweep").changed == 7)
        #expect(calls.count == 2)
        #expect(scheduler.statistics["sweep"]?.runs == 2)
        #expect(harness.logs.entries("job run finished").first?.metadata["trigger"] == "manual")
    }

    @Test func runOnceOfAnUnknownJobNamesTheKnownOnes() async throws {
        let harness = JobHarness()
        let scheduler = harness.scheduler([JobHarness.job("alpha", every: 100), JobHarness.job("beta", every: 100)], handlers: [:])
        let error = await #expect(throws: JobError.self) { try await scheduler.runOnce("gamma") }
        #expect(error?.code == .unknownJob)
        #expect(error?.message == "unknown job 'gamma'; known jobs: alpha, beta")
    }

    @Test func runOnceIsRefusedWhileAnotherInstanceRunsTheJobButNotBecauseItHoldsTheSlot() async throws {
        let clock = ManualWallClock()
        let harness = JobHarness(clock: clock)
        let leases = harness.store.collection(JobScheduler.collectionName)
        let until = Value.date(clock.now().addingTimeInterval(30))
        _ = try await leases.insertOne(["_id": "sweep", "holder": "web-2", "until": until, "runningBy": "web-2", "runningUntil": until])
        let calls = CallLog()
        let scheduler = harness.scheduler([JobHarness.job("sweep", every: 1000)], handlers: ["sweep": calls.handler()], instance: "cli")

        let error = await #expect(throws: JobError.self) { try await scheduler.runOnce("sweep") }
        #expect(error?.code == .leaseHeld)
        #expect(error?.message.contains("running on instance web-2") == true)
        #expect(calls.count == 0)

        // web-2's run ended (run lock released); it still holds the schedule slot, which a manual run does not need.
        _ = try await leases.updateOne(["_id": "sweep"], ["$unset": ["runningBy": "", "runningUntil": ""]])
        #expect(try await scheduler.runOnce("sweep").changed == 1)
        let lease = try #require(try await harness.lease("sweep"))
        #expect(lease["holder"] == "web-2")
        #expect(lease["until"] == until)
        #expect(lease["runningBy"] == nil)
    }

    @Test func aRunLockLeftByADeadInstanceExpires() async throws {
        let clock = ManualWallClock()
        let harness = JobHarness(clock: clock)
        let until = Value.date(clock.now().addingTimeInterval(30))
        _ = try await harness.store.collection(JobScheduler.collectionName).insertOne(["_id": "sweep", "runningBy": "dead", "runningUntil": until])
        let scheduler = harness.scheduler([JobHarness.job("sweep", every: 1000)], handlers: ["sweep": CallLog().handler()])
        await #expect(throws: JobError.self) { try await scheduler.runOnce("sweep") }
        clock.advance(by: .seconds(30))
        #expect(try await scheduler.runOnce("sweep").changed == 1)
    }

    @Test func runOnceRethrowsTheHandlersErrorCountsItAndReleasesTheLock() async throws {
        let harness = JobHarness(clock: ManualWallClock())
        let failing: JobHandler = { _ in throw JobSchedulerTests.Boom() }
        let scheduler = harness.scheduler([JobHarness.job("sweep", every: 1000)], handlers: ["sweep": failing])
        await #expect(throws: JobSchedulerTests.Boom.self) { try await scheduler.runOnce("sweep") }
        #expect(scheduler.statistics["sweep"]?.failures == 1)
        #expect(try await harness.lease("sweep")?["runningBy"] == nil)
        await #expect(throws: JobSchedulerTests.Boom.self) { try await scheduler.runOnce("sweep") }
        #expect(scheduler.statistics["sweep"]?.runs == 2)
    }

    @Test func theHolderOfTheSlotRenewsItAndOthersWaitForItsExpiry() async throws {
        let clock = ManualWallClock()
        let collection = MemoryStore().collection(JobScheduler.collectionName)
        func lease(_ instance: String) -> JobLease {
            JobLease(collection: collection, job: "sweep", instanceId: instance, duration: .seconds(10), clock: clock)
        }

        #expect(try await lease("a").acquireForScheduledRun() == .acquired)
        try await lease("a").releaseRunLock()
        let until = clock.now().addingTimeInterval(10)
        #expect(try await lease("b").acquireForScheduledRun() == .held(by: "a", until: until))  // a's slot lasts 10 s
        clock.advance(by: .seconds(5))
        #expect(try await lease("a").acquireForScheduledRun() == .acquired)  // the holder renews its own slot
        try await lease("a").releaseRunLock()
        clock.advance(by: .seconds(9))
        #expect(try await lease("b").acquireForScheduledRun() != .acquired)  // renewed at 5 s, so held until 15 s
        clock.advance(by: .seconds(1))
        #expect(try await lease("b").acquireForScheduledRun() == .acquired)
        // b is running now: neither a scheduled nor a manual run may start until b finishes or its lock expires.
        #expect(try await lease("a").acquireForScheduledRun() != .acquired)
        #expect(try await lease("cli").acquireForManualRun() != .acquired)
        try await lease("b").releaseRunLock()
        #expect(try await lease("cli").acquireForManualRun() == .acquired)
    }
}
