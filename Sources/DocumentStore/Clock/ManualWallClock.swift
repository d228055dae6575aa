#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A clock that only moves when told to, for tests. Thread-safe.
///
/// Sleepers wait until the clock is moved to or past their deadline: ``advance(by:)-(Duration)`` and
/// ``set(_:)`` wake them, in deadline order, before they return. A woken sleeper then runs on its own task,
/// so a test that wants to see what it did waits for an observable event, or for the sleeper to sleep again
/// with ``waitForSleepers(_:timeout:)``:
///
/// ```swift
/// let clock = ManualWallClock()
/// let scheduler = JobScheduler(jobs: [everyMinute], handlers: handlers, services: services(clock), instanceId: "a")
/// // ... run the scheduler in a service group, then:
/// try await clock.waitForSleepers(2)   // the scheduler's loop and the job's loop wait for their deadlines
/// clock.advance(by: .seconds(59))      // not due: nothing wakes
/// clock.advance(by: .seconds(1))       // due: the job's loop wakes and runs the job
/// try await clock.waitForSleepers(2)   // ... and waits for the next minute: the run is over
/// ```
package final class ManualWallClock: WallClock {
    private struct Sleeper {
        var id: UInt64
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Watcher {
        var id: UInt64
        var count: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var nextId: UInt64 = 0
        var sleepers: [Sleeper] = []
        var watchers: [Watcher] = []

        mutating func makeId() -> UInt64 {
            nextId += 1
            return nextId
        }

        /// Removes and returns the watchers whose count the sleepers now match.
        mutating func satisfiedWatchers() -> [Watcher] {
            let count = sleepers.count
            let satisfied = watchers.filter { $0.count == count }
            watchers.removeAll { $0.count == count }
            return satisfied
        }
    }

    /// Thrown by ``waitForSleepers(_:timeout:)`` when the count was not reached in time.
    package struct SleepersTimeout: Error, CustomStringConvertible {
        /// What was awaited and what was found.
        package var description: String
    }

    private let state: LockedValue<State>

    /// A clock showing `start`; by default 2024-01-01T00:00:00Z, a whole second so that dates
    /// survive millisecond truncation unchanged.
    package init(_ start: Date = Date(timeIntervalSince1970: 1_704_067_200)) {
        self.state = LockedValue(State(now: start))
    }

    /// The time the clock shows.
    package func now() -> Date {
        state.withLock { $0.now }
    }

    /// How many tasks sleep on this clock now.
    package var sleeperCount: Int {
        state.withLock { $0.sleepers.count }
    }

    /// Moves the clock forward (or back, for a negative interval), waking the sleepers now due.
    package func advance(by interval: TimeInterval) {
        move { $0.addingTimeInterval(interval) }
    }

    /// Moves the clock forward by a `Duration`, waking the sleepers now due.
    package func advance(by duration: Duration) {
        advance(by: duration.seconds)
    }

    /// Sets the clock to `date`, waking the sleepers now due.
    package func set(_ date: Date) {
        move { _ in date }
    }

    /// Sleeps until the clock is moved to `deadline` or later.
    package func sleep(until deadline: Date) async throws {
        try Task.checkCancellation()
        let id = state.withLock { $0.makeId() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: (Result<Void, any Error>?, [Watcher]) = state.withLock { state in
                    // Checked under the lock the cancellation handler takes, so a cancellation is never missed.
                    if Task.isCancelled { return (.failure(CancellationError()), []) }
                    if deadline <= state.now { return (.success(()), []) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return (nil, state.satisfiedWatchers())
                }
                if let result = outcome.0 { continuation.resume(with: result) }
                for watcher in outcome.1 { watcher.continuation.resume() }
            }
        } onCancel: {
            let (sleeper, watchers) = state.withLock { state -> (Sleeper?, [Watcher]) in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return (nil, []) }
                return (state.sleepers.remove(at: index), state.satisfiedWatchers())
            }
            sleeper?.continuation.resume(throwing: CancellationError())
            for watcher in watchers { watcher.continuation.resume() }
        }
    }

    /// Waits until exactly `count` tasks sleep on this clock: the sleepers a test expects are all
    /// waiting, so moving the clock now wakes them. Throws ``SleepersTimeout`` when that does not happen
    /// within `timeout` of real time (a safety net against a hanging test, not a measure of anything).
    package func waitForSleepers(_ count: Int, timeout: Duration = .seconds(20)) async throws {
        let id = state.withLock { $0.makeId() }
        let timer = Task { [weak self] in
            do { try await Task.sleep(for: timeout) } catch { return }
            self?.expireWatcher(id, count: count, timeout: timeout)
        }
        defer { timer.cancel() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let reached = state.withLock { state in
                if state.sleepers.count == count { return true }
                state.watchers.append(Watcher(id: id, count: count, continuation: continuation))
                return false
            }
            if reached { continuation.resume() }
        }
    }

    private func expireWatcher(_ id: UInt64, count: Int, timeout: Duration) {
        let (watcher, found) = state.withLock { state -> (Watcher?, [Date]) in
            guard let index = state.watchers.firstIndex(where: { $0.id == id }) else { return (nil, []) }
            return (state.watchers.remove(at: index), state.sleepers.map(\.deadline).sorted())
        }
        watcher?.continuation.resume(
            throwing: SleepersTimeout(description: "expected \(count) sleepers within \(timeout); \(found.count) sleep, until \(found)")
        )
    }

    private func move(_ change: (Date) -> Date) {
        let (due, watchers) = state.withLock { state -> ([Sleeper], [Watcher]) in
            state.now = change(state.now)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            guard !due.isEmpty else { return ([], []) }
            state.sleepers.removeAll { $0.deadline <= now }
            return (due, state.satisfiedWatchers())
        }
        for sleeper in due { sleeper.continuation.resume() }
        for watcher in watchers { watcher.continuation.resume() }
    }
}
