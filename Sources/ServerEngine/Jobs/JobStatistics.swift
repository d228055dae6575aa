/// Counters of one job's runs on this instance, as ``JobScheduler/statistics`` reports them.
///
/// ```swift
/// let sweep = scheduler.statistics["presenceSweep"] ?? JobStatistics()
/// print(sweep.runs, sweep.failures, sweep.totalDuration)
/// ```
public struct JobStatistics: Sendable, Equatable {
    /// Runs this instance started (scheduled and `runOnce`), failed ones included.
    public var runs: Int = 0
    /// Runs whose handler threw.
    public var failures: Int = 0
    /// Scheduled ticks skipped because another instance held the job's lease.
    public var skipped: Int = 0
    /// Ticks that could not read or write the lease (store unavailable); the run did not happen.
    public var leaseErrors: Int = 0
    /// The summed duration of this instance's runs.
    public var totalDuration: Duration = .zero
    /// The last run's duration.
    public var lastDuration: Duration?
    /// The last successful run's outcome.
    public var lastOutcome: JobOutcome?
    /// The last failed run's error, as text.
    public var lastError: String?

    /// Empty counters.
    public init() {}
}
