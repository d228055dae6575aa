import DocumentStore
import Foundation
import Logging
import ServerConfig
import ServerEngine
import Testing

/// The scheduler on a manual clock: each test moves time by hand and, after each step, waits until the
/// scheduler's loops sleep again (``JobHarness/advance(_:times:sleepers:)``), so every count is exact.
/// A scheduler of fixed jobs has one sleeper for its configuration recheck, plus one per job.
@Suite struct JobSchedulerTests {
    struct Boom: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    @Test func runsAnEnabledJobAtItsInterval() async throws {
        let harness = JobHarness()
        let calls = CallLog()
        let scheduler = harness.scheduler([JobHarness.job("tick", every: 30)], handlers: ["tick": calls.handler()])
        try await whileRunning([scheduler]) {
            try await harness.clock.waitForSleepers(2)
            try await harness.advance(29, sleepers: 2)
            #expect(calls.count == 0, "the first run comes one interval after the start")
            try await harness.advance(1, sleepers: 2)
            #expect(calls.count == 1)
            try await harness.advance(30, times: 2, sleepers: 2)
            #expect(calls.count == 3)
        }
        let statistics = try #require(scheduler.statistics["tick"])
        #expect(statistics.runs == 3)
        #expect(statistics.failures == 0)
        #expect(statistics.totalDuration >= (statistics.lastDuration ?? .zero))
    }

    @Test func aFailingRunIsLoggedAndLaterRunsContinue() async throws {
        let harness = JobHarness()
        let calls = CallLog()
        let flaky: JobHandler = { _ in
            calls.enter("a")
            calls.leave()
            if calls.count <= 2 { throw Boom() }
            return JobOutcome(changed: 5, details: ["networks": "3"])
        }
        let scheduler = harness.scheduler([JobHarness.job("flaky", every: 15)], handlers: ["flaky": flaky])
        try await whileRunning([scheduler]) {
            try await harness.clock.waitForSleepers(2)
            try await harness.advance(15, times: 4, sleepers: 2)
        }
        let statistics = try #require(scheduler.statistics["flaky"])
        #expect(statistics.runs == 4)
        #expect(statistics.failures == 2)
        #expect(statistics.lastError == "boom")
        #expect(statistics.lastOutcome == JobOutcome(changed: 5, details: ["networks": "3"]))

        let failures = harness.logs.entries("job run failed")
        #expect(failures.count == 2)
        #expect(failures.allSatisfy { $0.level == .error && $0.metadata["error"] == "boom" && $0.metadata["job"] == "flaky" })
        let finished = try #require(harness.logs.entries("job run finished").first)
        #expect(finished.level == .info)
        #expect(finished.metadata["job"] == "flaky")
        #expect(finished.metadata["instance"] == "instance-a")
        #expect(finished.metadata["changed"] == "5")
        #expect(finished.metadata["details"] == .dictionary(["networks": "3"]))
        #expect(finished.metadata["durationMs"].flatMap { Double("\($0)") } != nil)
        #expect(finished.metadata["runId"] != nil)
    }

    @Test func runsOfOneJobNeverOverlapAndMissedTicksAreSkipped() async throws {
        let harness = JobHarness()
        let calls = CallLog()
        let gate = Gate()
        let slow: JobHandler = { _ in
            calls.enter("a")
            defer { calls.leave() }
            await gate.wait()
            return JobOutcome()
        }
        let scheduler = harness.scheduler([JobHarness.job("slow", every: 10)], handlers: ["slow": slow])
        try await whileRunning([scheduler]) {
            try await harness.clock.waitForSleepers(2)
            harness.clock.advance(by: .seconds(10))
            #expect(await eventually { calls.count == 1 })
            // Ten intervals pass while the run is held; only the scheduler's recheck sleeps.
            try await harness.advance(100, sleepers: 1)
            #expect(calls.count == 1)
            let error = await #expect(throws: JobError.self) { try await scheduler.runOnce("slow") }
            #expect(error?.code == .alreadyRunning)
            gate.open()
            try await harness.clock.waitForSleepers(2)
            #expect(calls.count == 1, "the ticks missed during the run are skipped, not run back to back")
            try await harness.advance(10, times: 2, sleepers: 2)
            #expect(calls.count == 3)
        }
        #expect(calls.maxActive == 1)
    }

    @Test func twoInstancesOnOneStoreRunEachTickOnceAndTheSurvivorTakesOver() async throws {
        let harness = JobHarness()
        let calls = CallLog()
        let job = JobHarness.job("sweep", every: 20, lease: .seconds(60))
        let a = harness.scheduler([job], handlers: ["sweep": calls.handler("a")], instance: "a")
        let b = harness.scheduler([job], handlers: ["sweep": calls.handler("b")], instance: "b")
        try await whileRunning([a, b]) {
            try await harness.clock.waitForSleepers(4)
            try await harness.advance(20, times: 5, sleepers: 4)
        }
        #expect(calls.count == 5)
        #expect((a.statistics["sweep"]?.skipped ?? 0) + (b.statistics["sweep"]?.skipped ?? 0) == 5)
        // Each tick the holder renewed its minute's lease, so every tick ran on it and on it only.
        let (holder, other) = calls.count("a") > 0 ? (a, b) : (b, a)
        #expect(calls.count(other.instanceId) == 0)
        #expect(holder.statistics["sweep"]?.runs == 5)
        #expect(other.statistics["sweep"]?.runs == 0)
        #expect(try await harness.lease("sweep")?["holder"] == .string(holder.instanceId))

        // The holder is gone; its slot is still leased for a minute, then the survivor takes over.
        let survivor = harness.scheduler([job], handlers: ["sweep": calls.handler(other.instanceId)], instance: other.instanceId)
        try await whileRunning([survivor]) {
            try await harness.clock.waitForSleepers(2)
            try await harness.advance(20, times: 2, sleepers: 2)
            #expect(survivor.statistics["sweep"]?.skipped == 2)
            #expect(calls.count(other.instanceId) == 0)
            try await harness.advance(61, sleepers: 2)
            #expect(calls.count(other.instanceId) == 1)
            try await harness.advance(20, sleepers: 2)
            #expect(calls.count(other.instanceId) == 2)
        }
        #expect(try await harness.lease("sweep")?["holder"] == .string(other.instanceId))
    }

    @Test func twoInstancesWithALeaseAsLongAsTheIntervalRunEachTickOnce() async throws {
        let harness = JobHarness()
        let calls = CallLog()
        let job = JobHarness.job("sweep", every: 40)  // the lease defaults to the interval
        let a = harness.scheduler([job], handlers: ["sweep": calls.handler("a")], instance: "a")
        let b = harness.scheduler([job], handlers: ["sweep": calls.handler("b")], instance: "b")
        try await whileRunning([a, b]) {
            try await harness.clock.waitForSleepers(4)
            try await harness.advance(40, times: 8, sleepers: 4)
        }
        // Without the lease both would run every tick (16 runs); the lease ends at each tick, so either may run it.
        #expect(calls.count == 8)
        #expect((a.statistics["sweep"]?.skipped ?? 0) + (b.statistics["sweep"]?.skipped ?? 0) == 8)
        #expect(calls.maxActive == 1)
    }

    @Test func aLeaseLeftByADeadInstanceExpires() async throws {
        let harness = JobHarness()
        let until = Value.date(harness.clock.now().addingTimeInterval(300))
        _ = try await harness.store.collection(JobScheduler.collectionName).insertOne([
            "_id": "sweep", "holder": "dead", "until": until, "runningBy": "dead", "runningUntil": until,
        ])
        let calls = CallLog()
        let scheduler = harness.scheduler([JobHarness.job("sweep", every: 20)], handlers: ["sweep": calls.handler()])
        try await whileRunning([scheduler]) {
            try await harness.clock.waitForSleepers(2)
            try await harness.advance(20, times: 2, sleepers: 2)
            #expect(scheduler.statistics["sweep"]?.skipped == 2)
            #expect(calls.count == 0)
            try await harness.advance(300, sleepers: 2)
            #expect(calls.count == 1)
        }
        let lease = try #require(try await harness.lease("sweep"))
        #expect(lease["holder"] == "instance-a")
        #expect(lease["runningBy"] == nil)  // released after the run
    }

    @Test func gracefulShutdownWaitsForTheRunInFlightWithoutCancellingIt() async throws {
        let harness = JobHarness()
        let clock = harness.clock
        let calls = CallLog()
        let finished = CallLog()
        let slow: JobHandler = { _ in
            calls.enter("a")
            defer { calls.leave() }
            try await clock.sleep(for: .seconds(1))  // throws if the run were cancelled
            finished.enter("a")
            return JobOutcome()
        }
        let scheduler = harness.scheduler([JobHarness.job("slow", every: 20)], handlers: ["slow": slow])
        try await whileRunning([scheduler]) {
            try await clock.waitForSleepers(2)
            try await harness.advance(20, sleepers: 2)  // the scheduler's recheck, and the run
            #expect(calls.count == 1)
            // Once graceful shutdown has ended the recheck, only the run sleeps: then its second passes.
            Task {
                try? await clock.waitForSleepers(1)
                clock.advance(by: .seconds(1))
            }
        }
        #expect(finished.count == 1)
        #expect(calls.count == 1)
        #expect(scheduler.statistics["slow"]?.failures == 0)
    }

    /// The clock never moves: only graceful shutdown can end the scheduler's waits. A scheduler that ignored it would
    /// wait forever; the time limit turns that into a failure (a generous one: a loaded CI machine is slow, and a
    /// wall-clock bound of seconds failed there with nothing wrong).
    @Test(.timeLimit(.minutes(2))) func gracefulShutdownStopsALongScheduleAtOnce() async throws {
        let harness = JobHarness()
        let calls = CallLog()
        let scheduler = harness.scheduler([JobHarness.job("hourly", every: 3600)], handlers: ["hourly": calls.handler()])
        try await whileRunning([scheduler]) { try await harness.clock.waitForSleepers(2) }
        #expect(calls.count == 0)
    }

    @Test func aSchedulerWithoutEnabledJobsRunsUntilShutdown() async throws {
        let harness = JobHarness()
        let calls = CallLog()
        let scheduler = harness.scheduler([JobHarness.job("off", every: 10, enabled: false)], handlers: ["off": calls.handler()])
        try await whileRunning([scheduler]) {
            // Nothing to recheck in a fixed list; the disabled job's loop idles.
            try await harness.clock.waitForSleepers(1)
            try await harness.advance(1, times: 3, sleepers: 1)
        }
        #expect(calls.count == 0)
    }

    @Test func disabledJobsAreNotScheduledButRunOnceRunsThem() async throws {
        let harness = JobHarness()
        let on = CallLog()
        let off = CallLog()
        let scheduler = harness.scheduler(
            [JobHarness.job("on", every: 15), JobHarness.job("off", every: 15, enabled: false)],
            handlers: ["on": on.handler(), "off": off.handler(changed: 2)]
        )
        try await whileRunning([scheduler]) {
            try await harness.clock.waitForSleepers(3)
            try await harness.advance(15, times: 3, sleepers: 3)
        }
        #expect(on.count == 3)
        #expect(off.count == 0)
        #expect(try await scheduler.runOnce("off").changed == 2)
        #expect(off.count == 1)
    }

    @Test func aJobWithoutARegisteredHandlerIsLoggedAndNotScheduled() async throws {
        let harness = JobHarness()
        let calls = CallLog()
        let scheduler = harness.scheduler(
            [JobHarness.job("orphan", every: 10), JobHarness.job("tick", every: 10)],
            handlers: ["tick": calls.handler()]
        )
        try await whileRunning([scheduler]) {
            try await harness.clock.waitForSleepers(3)
            try await harness.advance(10, times: 2, sleepers: 3)
        }
        #expect(calls.count == 2)
        #expect(harness.logs.entries("job not scheduled: no handler registered").first?.metadata["job"] == "orphan")
        let error = await #expect(throws: JobError.self) { try await scheduler.runOnce("orphan") }
        #expect(error?.code == .missingHandler)
    }
}

/// The engine's scheduler follows the configuration in force.
@Suite struct LiveJobSchedulerTests {
    /// Services whose configuration holds `jobs`.
    static func services(_ harness: JobHarness, jobs: [JobConfig]) -> EngineServices {
        let base = harness.services
        return EngineServices(configuration: ServerConfiguration(jobs: jobs), store: base.store, clock: base.clock, logger: base.logger)
    }

    @Test func aReloadedIntervalAndNewlyEnabledJobApplyWithoutARestart() async throws {
        let harness = JobHarness()
        let calls = CallLog()
        let services = Self.services(harness, jobs: [JobHarness.job("tick", every: 3600), JobHarness.job("other", every: 2, enabled: false)])
        let scheduler = JobScheduler(handlers: ["tick": calls.handler("tick"), "other": calls.handler("other")], services: services, instanceId: "a")
        // Three sleepers: the scheduler's recheck and one loop per job, each looking at the configuration every second.
        try await whileRunning([scheduler]) {
            try await harness.clock.waitForSleepers(3)
            try await harness.advance(1, sleepers: 3)
            #expect(calls.count == 0)
            var reloaded = services.configuration
            reloaded.jobs = [JobHarness.job("tick", every: 5), JobHarness.job("other", every: 2)]
            services.liveConfiguration.replace(with: reloaded)
            // Within a second both loops see the new settings: "tick" counts its new interval from the start
            // (runs at 5 s and 10 s), "other" from when it was last seen disabled (1 s: runs at 3, 5, 7, 9, 11 s).
            try await harness.advance(1, times: 10, sleepers: 3)
            #expect(calls.count("tick") == 2)
            #expect(calls.count("other") == 5)
            reloaded.jobs = [JobHarness.job("tick", every: 5, enabled: false)]
            services.liveConfiguration.replace(with: reloaded)
            let stopped = calls.count
            try await harness.advance(1, times: 10, sleepers: 3)
            #expect(calls.count == stopped, "disabled and removed jobs no longer run")
        }
    }
}
