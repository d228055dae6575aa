import DocumentStore
import Foundation
import Logging
import ServerConfig
import ServiceLifecycle

/// Runs the enabled jobs of jobs.yaml at their intervals, one run of a job at a time across every instance
/// sharing the store.
///
/// - Each enabled job runs every `interval` (the first run one interval after start, like `setInterval`).
///   A run that outlasts the interval delays the next one; missed ticks are skipped, never run back to back.
/// - Within the process a job never has two runs in flight. Across processes, a run first takes the job's
///   lease in `job_leases` (see ``JobLease``): a tick whose lease another instance holds is skipped, so with
///   several instances each tick runs once; when the holder dies its lease expires after `lease` and another
///   instance takes over. Set `lease` at least as long as `interval` (the default) and longer than a run.
/// - A failing run logs the error and later runs go on. Every run logs one event (`job run finished` or
///   `job run failed`) with the job, instance, run id, duration and outcome, and updates ``statistics``.
/// - Graceful shutdown stops the schedule at once but lets a run in flight finish; cancellation cancels it.
///
/// Ticks and lease times come from the engine's clock (`services.clock`): the scheduler reads it and waits on
/// it, so tests move time by hand (``ManualWallClock``). Run durations (metrics, logs) are measured in real time.
///
/// ```swift
/// let scheduler = engine.makeJobScheduler(instanceId: InstanceIdentity.make())
/// let group = ServiceGroup(configuration: .init(services: [scheduler], logger: logger))
/// try await group.run()                                       // until graceful shutdown
/// let outcome = try await scheduler.runOnce("presenceSweep")  // or run one job now
/// ```
public struct JobScheduler: Service {
    /// The engine-owned collection of job leases.
    public static let collectionName = "job_leases"

    /// The jobs given at creation; nil follows the configuration in force (live reloads).
    private let fixedJobs: [JobConfig]?
    private let handlers: [String: JobHandler]
    private let services: EngineServices
    private let state = JobSchedulerState()
    /// This instance's id, written into the leases it holds.
    public let instanceId: String

    /// Creates a scheduler for a fixed list of jobs.
    public init(jobs: [JobConfig], handlers: [String: JobHandler], services: EngineServices, instanceId: String) {
        self.fixedJobs = jobs
        self.handlers = handlers
        self.services = services
        self.instanceId = instanceId
    }

    /// Creates a scheduler for the jobs of the configuration in force, following live reloads of jobs.yaml.
    public init(handlers: [String: JobHandler], services: EngineServices, instanceId: String) {
        self.fixedJobs = nil
        self.handlers = handlers
        self.services = services
        self.instanceId = instanceId
    }

    /// The jobs scheduled now.
    private var jobs: [JobConfig] { fixedJobs ?? services.configuration.jobs }

    /// Each job's counters on this instance, by job name (jobs that have not run yet are absent).
    public var statistics: [String: JobStatistics] { state.statistics }

    /// Schedules the enabled jobs until graceful shutdown, then waits for runs in flight.
    ///
    /// A live scheduler follows reloads of jobs.yaml: a new interval applies from the job's last tick, a
    /// job enabled later runs one interval after it was enabled, a disabled or removed one stops after
    /// its run in flight, and a new job starts.
    public func run() async throws {
        let enabled = jobs.filter(\.enabled)
        services.logger.info(
            "job scheduler started",
            metadata: [
                "instance": "\(instanceId)", "jobs": .array(enabled.map { "\($0.name) every \(DurationParser.format($0.interval))" }),
            ]
        )
        await withDiscardingTaskGroup { group in
            var scheduled: Set<String> = []
            repeat {
                // One loop per job name; a loop idles while its job is disabled or absent.
                for job in jobs where !scheduled.contains(job.name) {
                    scheduled.insert(job.name)
                    let name = job.name
                    group.addTask { await self.schedule(named: name) }
                }
                if fixedJobs != nil, scheduled.isEmpty || !jobs.contains(where: \.enabled) {
                    // A fixed list never changes: nothing to wait for.
                    break
                }
            } while await services.clock.sleepUnlessShuttingDown(for: Self.recheckInterval)
        }
        if !Task.isShuttingDownGracefully, !Task.isCancelled { try? await gracefulShutdown() }
        services.logger.info("job scheduler stopped", metadata: ["instance": "\(instanceId)"])
    }

    /// Runs the job named `name` once now, whether or not it is enabled, and returns its outcome; the
    /// handler's error is rethrown. For operators (`registry jobs run`) and tests.
    ///
    /// It takes the job's run lock in `job_leases`, so it never overlaps a run of the job on any instance
    /// (then it throws ``JobError/Code/leaseHeld``), but not the schedule slot: it is an extra run and
    /// does not delay or replace the scheduled ones.
    ///
    /// ```swift
    /// let outcome = try await scheduler.runOnce("presenceSweep")
    /// print(outcome.changed)
    /// ```
    public func runOnce(_ name: String) async throws -> JobOutcome {
        guard let job = jobs.first(where: { $0.name == name }) else {
            let known = jobs.map(\.name)
            throw JobError(.unknownJob, "unknown job '\(name)'; known jobs: \(known.isEmpty ? "(none)" : known.joined(separator: ", "))")
        }
        guard let handler = handlers[job.handler] else {
            throw JobError(.missingHandler, "job '\(name)' uses handler '\(job.handler)', which is not registered")
        }
        guard state.begin(job.name) else {
            throw JobError(.alreadyRunning, "job '\(name)' is already running in this process")
        }
        defer { state.end(job.name) }
        let lease = lease(for: job)
        if case .held(let holder, let until) = try await lease.acquireForManualRun() {
            let expiry = until.map { " (lease until \(ISO8601Milliseconds.string(from: $0)))" } ?? ""
            throw JobError(.leaseHeld, "job '\(name)' is running on instance \(holder)\(expiry); try again when it has finished")
        }
        do {
            let outcome = try await execute(job, handler: handler, trigger: "manual")
            await release(lease)
            return outcome
        } catch {
            await release(lease)
            throw error
        }
    }

    // MARK: - Scheduling

    /// How often an idle or waiting job loop looks at the configuration in force again.
    static let recheckInterval: Duration = .seconds(1)

    /// The loop of one job: sleep until the next tick, run, repeat until graceful shutdown or cancellation.
    /// The job's settings are read again before each wait, so reloaded intervals and flags apply.
    private func schedule(named name: String) async {
        let clock = services.clock
        var anchor = clock.now()  // the start of the current interval
        var reportedMissingHandler = false
        while true {
            let now = clock.now()
            // The wall clock was set back: count the interval from now rather than wait out the difference.
            if now < anchor { anchor = now }
            guard let job = jobs.first(where: { $0.name == name }), job.enabled else {
                anchor = now
                guard await clock.sleepUnlessShuttingDown(for: Self.recheckInterval) else { return }
                continue
            }
            guard let handler = handlers[job.handler] else {
                if !reportedMissingHandler {
                    services.logger.error("job not scheduled: no handler registered", metadata: ["job": "\(job.name)", "handler": "\(job.handler)"])
                    reportedMissingHandler = true
                }
                guard await clock.sleepUnlessShuttingDown(for: Self.recheckInterval) else { return }
                continue
            }
            let deadline = anchor.addingTimeInterval(job.interval.seconds)
            if now < deadline {
                let wakeUp = fixedJobs == nil ? min(deadline, now.addingTimeInterval(Self.recheckInterval.seconds)) : deadline
                guard await clock.sleepUnlessShuttingDown(until: wakeUp) else { return }
                continue
            }
            await tick(job, handler: handler)
            anchor = deadline
            if anchor.addingTimeInterval(job.interval.seconds) <= clock.now() {
                services.logger.debug("job run outlasted its interval; skipping missed ticks", metadata: ["job": "\(job.name)"])
                anchor = clock.now()
            }
        }
    }

    /// One scheduled tick: take the lease, run, release the run lock. Never throws: failures are logged.
    private func tick(_ job: JobConfig, handler: JobHandler) async {
        guard state.begin(job.name) else {
            services.logger.debug("job tick skipped: a run is in flight in this process", metadata: ["job": "\(job.name)"])
            return
        }
        defer { state.end(job.name) }
        let lease = lease(for: job)
        do {
            if case .held(let holder, let until) = try await lease.acquireForScheduledRun() {
                state.record(job.name) { $0.skipped += 1 }
                services.logger.debug(
                    "job tick skipped: another instance holds the lease",
                    metadata: ["job": "\(job.name)", "holder": "\(holder)", "until": "\(until.map(ISO8601Milliseconds.string(from:)) ?? "-")"]
                )
                return
            }
        } catch {
            state.record(job.name) { $0.leaseErrors += 1 }
            services.logger.error("job tick skipped: cannot take the lease", metadata: ["job": "\(job.name)", "error": "\(error)"])
            return
        }
        _ = try? await execute(job, handler: handler, trigger: "schedule")
        await release(lease)
    }

    // MARK: - Runs

    /// Runs the handler once, timing it, logging the run's event and counting it.
    private func execute(_ job: JobConfig, handler: JobHandler, trigger: String) async throws -> JobOutcome {
        var logger = services.logger
        logger[metadataKey: "job"] = "\(job.name)"
        logger[metadataKey: "runId"] = "\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        logger[metadataKey: "instance"] = "\(instanceId)"
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let outcome = try await handler(JobContext(job: job, services: services, logger: logger))
            let duration = start.duration(to: clock.now)
            state.record(job.name) { statistics in
                statistics.runs += 1
                statistics.totalDuration += duration
                statistics.lastDuration = duration
                statistics.lastOutcome = outcome
            }
            services.metrics.recordJobRun(job: job.name, failed: false, duration: duration)
            logger.info(
                "job run finished",
                metadata: [
                    "trigger": "\(trigger)", "durationMs": "\(duration.roundedMilliseconds)", "changed": "\(outcome.changed)",
                    "details": .dictionary(outcome.details.mapValues { .string($0) }),
                ]
            )
            warnIfOverLease(job, duration: duration, logger: logger)
            return outcome
        } catch {
            let duration = start.duration(to: clock.now)
            state.record(job.name) { statistics in
                statistics.runs += 1
                statistics.failures += 1
                statistics.totalDuration += duration
                statistics.lastDuration = duration
                statistics.lastError = "\(error)"
            }
            services.metrics.recordJobRun(job: job.name, failed: true, duration: duration)
            logger.error(
                "job run failed",
                metadata: ["trigger": "\(trigger)", "durationMs": "\(duration.roundedMilliseconds)", "error": "\(error)"]
            )
            warnIfOverLease(job, duration: duration, logger: logger)
            throw error
        }
    }

    private func warnIfOverLease(_ job: JobConfig, duration: Duration, logger: Logger) {
        guard duration > job.lease else { return }
        logger.warning(
            "job run outlasted its lease; another instance may have run the job meanwhile: raise its lease in jobs.yaml",
            metadata: ["lease": "\(DurationParser.format(job.lease))"]
        )
    }

    private func lease(for job: JobConfig) -> JobLease {
        JobLease(
            collection: services.collection(Self.collectionName),
            job: job.name,
            instanceId: instanceId,
            duration: job.lease,
            clock: services.clock
        )
    }

    /// Releases the run lock; a failure only delays the next run until the lock expires, so it is logged.
    private func release(_ lease: JobLease) async {
        do {
            try await lease.releaseRunLock()
        } catch {
            services.logger.warning(
                "cannot release the job's run lock; it expires by itself",
                metadata: ["job": "\(lease.job)", "error": "\(error)"]
            )
        }
    }
}
