import DocumentStore
import Foundation
import Logging
import ServerConfig
import ServerEngine
import Testing

/// The scheduler on real time (intervals of tens of milliseconds) with leases on the engine's clock.
@Suite struct JobSchedulerTests {
    struct Boom: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    @Test func runsAnEnabledJobAtItsInterval() async throws {
        let harness = JobHarness()
        let calls = CallLog()
        let scheduler = harness.scheduler([JobHarness.job("tick", every: 30)], handlers: ["tick": calls.handler()])
        let started = ContinuousClock.now
        let elapsed = try await whileRunning([scheduler]) {
            #expect(await eventually { calls.count >= 3 })
            return started.duration(to: .now)
        }
        // The first run comes one interval after the start, so three runs take at least three intervals.
        #expect(elapsed >= .milliseconds(90))
        let statistics = try #require(scheduler.statistics["tick"])
        #expect(statistics.runs >= 3)
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
            #expect(await eventually { (scheduler.statistics["flaky"]?.runs ?? 0) >= 4 })
        }
        let statistics = try #require(scheduler.statistics["flaky"])
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

    @Test func runsOfOneJobNeverOverlap() async throws {
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
            #expect(await eventually { calls.count == 1 })
            try await Task.sleep(for: .milliseconds(100))  // ten intervals pass while the run is held
            #expect(calls.count == 1)
            let error = await #expect(throws: JobError.self) { try await scheduler.runOnce("slow") }
            #expect(error?.code == .alreadyRunning)
            gate.open()
            #expect(await eventually { calls.count >= 3 })
        }
        #expect(calls.maxActive == 1)
    }

    @Test func twoInstancesOnOneStoreRunEachTickOnceAndTheSurvivorTakesOver() async throws {
        let clock = ManualWallClock()
        let harness = JobHarness(clock: clock)
        let calls = CallLog()
        let job = JobHarness.job("sweep", every: 20, lease: .seconds(60))
        let a = harness.scheduler([job], handlers: ["sweep": calls.handler("a")], instance: "a")
        let b = harness.scheduler([job], handlers: ["sweep": calls.handler("b")], instance: "b")
        try await whileRunning([a, b]) {
            #expect(await eventually { calls.count >= 5 && (a.statistics["sweep"]?.skipped ?? 0) + (b.statistics["sweep"]?.skipped ?? 0) >= 5 })
        }
        // The clock stands still, so the first holder keeps the lease: every tick ran on it and on it only.
        let (holder, other) = calls.count("a") > 0 ? (a, b) : (b, a)
        #expect(calls.count(other.instanceId) == 0)
        #expect(holder.statistics["sweep"]?.runs == calls.count)
        #expect(other.statistics["sweep"]?.runs == 0)
        #expect(try await harness.lease("sweep")?["holder"] == .string(holder.instanceId))

        // The holder is gone; its slot is still leased for a minute, then the survivor takes over.
        let survivor = harness.scheduler([job], handlers: ["sweep": calls.handler(other.instanceId)], instance: other.instanceId)
        try await whileRunning([survivor]) {
            #expect(await eventually { (survivor.statistics["sweep"]?.skipped ?? 0) >= 2 })
            #expect(calls.count(other.instanceId) == 0)
            clock.advance(by: .seconds(61))
            #expect(await eventually { calls.count(other.instanceId) >= 2 })
        }
        #expect(try await harness.lease("sweep")?["holder"] == .string(other.instanceId))
    }

    @Test func twoInstancesWithRealTimeLeasesDoNotRunMoreOftenThanOne() async throws {
        let harness = JobHarness()
        let calls = CallLog()
        let job = JobHarness.job("sweep", every: 40)
        let started = ContinuousClock.now
        try await whileRunning([
            harness.scheduler([job], handlers: ["sweep": calls.handler("a")], instance: "a"),
            harness.scheduler([job], handlers: ["sweep": calls.handler("b")], instance: "b"),
        ]) {
            #expect(await eventually { calls.count >= 8 })
        }
        let intervals = started.duration(to: .now) / .milliseconds(40)
        // Without the lease both would run every tick (twice the count); a little slack for hand-overs.
        #expect(Double(calls.count) <= intervals + 3, "\(calls.count) runs in \(intervals) intervals")
    }

    @Test func aLeaseLeftByADeadInstanceExpires() async throws {
        let clock = ManualWallClock()
        let harness = JobHarness(clock: clock)
        let until = Value.date(clock.now().addingTimeInterval(30))
        _ = try await harness.store.collection(JobScheduler.collectionName).insertOne([
            "_id": "sweep", "holder": "dead", "until": until, "runningBy": "dead", "runningUntil": until,
        ])
        let calls = CallLog()
        let scheduler = harness.scheduler([JobHarness.job("sweep", every: 20)], handlers: ["sweep": calls.handler()])
        try await whileRunning([scheduler]) {
            #expect(await eventually { (scheduler.statistics["sweep"]?.skipped ?? 0) >= 2 })
            #expect(calls.count == 0)
            clock.advance(by: .seconds(31))
            #expect(await eventually { calls.count >= 1 })
        }
        let lease = try #require(try await harness.lease("sweep"))
        #expect(lease["holder"] == "instance-a")
        #expect(lease["runningBy"] == nil)  // released after the run
    }

    @Test func gracefulShutdownWaitsForTheRunInFlightWithoutCancellingIt() async throws {
        let harness = JobHarness()
        let calls = CallLog()
        let finished = CallLog()
        let slow: JobHandler = { _ in
            calls.enter("a")
            defer { calls.leave() }
            try await Task.sleep(for: .milliseconds(150))  // throws if the run were cancelled
            finished.enter("a")
            return JobOutcome()
        }
        let scheduler = harness.scheduler([JobHarness.job("slow", every: 20)], handlers: ["slow": slow])
        try await whileRunning([scheduler]) {
            #expect(await eventually { calls.count == 1 })
        }
        #expect(finished.count == 1)
        #expect(calls.count == 1)
        #expect(scheduler.statistics["slow"]?.failures == 0)
    }

    @Test func gracefulShutdownStopsALongScheduleAtOnce() async throws {
        let harness = JobHarness()
        let calls = CallLog()
        let scheduler = harness.scheduler([JobHarness.job("hourly", every: 3_600_000)], handlers: ["hourly": calls.handler()])
        let started = ContinuousClock.now
        try await whileRunning([scheduler]) { try await Task.sleep(for: .milliseconds(20)) }
        // "At once" against an hour-long schedule: seconds at most, even on a loaded machine.
        #expect(started.duration(to: .now) < .seconds(15))
        #expect(calls.count == 0)
    }

    @Test func aSchedulerWithoutEnabledJobsRunsUntilShutdown() async throws {
        let harness = JobHarness()
        let calls = CallLog()
        let scheduler = harness.scheduler([JobHarness.job("off", every: 10, enabled: false)], handlers: ["off": calls.handler()])
        try await whileRunning([scheduler]) { try await Task.sleep(for: .milliseconds(60)) }
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
            #expect(await eventually { on.count >= 3 })
        }
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
            #expect(await eventually { calls.count >= 2 })
        }
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
        let slowJob = JobHarness.job("tick", every: 3_600_000)
        let services = Self.services(harness, jobs: [slowJob, JobHarness.job("other", every: 20, enabled: false)])
        let scheduler = JobScheduler(handlers: ["tick": calls.handler("tick"), "other": calls.handler("other")], services: services, instanceId: "a")
        try await whileRunning([scheduler]) {
            try await Task.sleep(for: .milliseconds(300))
            #expect(calls.count == 0)
            var reloaded = services.configuration
            reloaded.jobs = [JobHarness.job("tick", every: 50), JobHarness.job("other", every: 20)]
            services.liveConfiguration.replace(with: reloaded)
            // Within the recheck interval (1 s) both loops see the new settings.
            #expect(await eventually { calls.count("tick") >= 2 && calls.count("other") >= 2 })
            reloaded.jobs = [JobHarness.job("tick", every: 50, enabled: false)]
            services.liveConfiguration.replace(with: reloaded)
            try await Task.sleep(for: .milliseconds(1500))
            let stopped = calls.count
            try await Task.sleep(for: .milliseconds(500))
            #expect(calls.count == stopped, "disabled and removed jobs no longer run")
        }
    }
}
