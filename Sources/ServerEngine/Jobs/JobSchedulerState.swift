import Synchronization

/// A scheduler's shared in-process state: which jobs have a run in flight, and each job's counters.
final class JobSchedulerState: Sendable {
    private struct State {
        var running: Set<String> = []
        var statistics: [String: JobStatistics] = [:]
    }

    private let state = Mutex(State())

    /// Marks a run of `job` in flight; false when one already is (then the caller must not run it).
    func begin(_ job: String) -> Bool {
        state.withLock { $0.running.insert(job).inserted }
    }

    /// Marks the run of `job` finished.
    func end(_ job: String) {
        state.withLock { _ = $0.running.remove(job) }
    }

    /// Updates the counters of `job`.
    func record(_ job: String, _ update: (inout JobStatistics) -> Void) {
        state.withLock { update(&$0.statistics[job, default: JobStatistics()]) }
    }

    /// A snapshot of every job's counters.
    var statistics: [String: JobStatistics] {
        state.withLock { $0.statistics }
    }
}
