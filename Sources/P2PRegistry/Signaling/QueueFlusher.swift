import Synchronization

/// Runs a connection's queue flush when asked, in a short-lived task, at most one at a time: a request that
/// arrives during a flush makes it run once more. An idle socket therefore holds no flusher task (each
/// suspended task costs its async frames, kilobytes per socket; see BENCHMARKS.md, "Memory per socket").
///
/// ```swift
/// let flusher = QueueFlusher { await drainIntoSocket() }
/// flusher.yield()   // flush now (or once more after the flush in progress)
/// flusher.finish()  // the socket closed: later requests do nothing
/// ```
final class QueueFlusher: Sendable {
    private struct State {
        var running = false
        var pending = false
        /// Dropped by ``finish()``: the work refers to the socket's session, whose send buffer refers back to this
        /// flusher (its `drained` hook), and the cycle must not outlive the socket.
        var work: (@Sendable () async -> Void)?
    }

    private let state: Mutex<State>

    /// Creates a flusher that runs `work` for each (coalesced) request.
    init(_ work: @escaping @Sendable () async -> Void) {
        self.state = Mutex(State(work: work))
    }

    /// Requests a flush: starts one now, or runs it again after the one in progress.
    func yield() {
        let work = state.withLock { state -> (@Sendable () async -> Void)? in
            guard let work = state.work else { return nil }
            if state.running {
                state.pending = true
                return nil
            }
            state.running = true
            state.pending = false
            return work
        }
        guard var work else { return }
        Task {
            while true {
                await work()
                let next = state.withLock { state -> (@Sendable () async -> Void)? in
                    guard state.pending, let work = state.work else {
                        state.running = false
                        return nil
                    }
                    state.pending = false
                    return work
                }
                guard let next else { return }
                work = next
            }
        }
    }

    /// Stops accepting requests and lets go of the work (a flush in progress completes).
    func finish() { state.withLock { $0.work = nil } }
}
