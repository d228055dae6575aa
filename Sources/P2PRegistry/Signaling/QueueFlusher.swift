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
        var finished = false
    }

    private let state = Mutex(State())
    private let work: @Sendable () async -> Void

    /// Creates a flusher that runs `work` for each (coalesced) request.
    init(_ work: @escaping @Sendable () async -> Void) {
        self.work = work
    }

    /// Requests a flush: starts one now, or runs it again after the one in progress.
    func yield() {
        let start = state.withLock { state -> Bool in
            guard !state.finished else { return false }
            if state.running {
                state.pending = true
                return false
            }
            state.running = true
            state.pending = false
            return true
        }
        guard start else { return }
        Task {
            while true {
                await work()
                let again = state.withLock { state -> Bool in
                    guard state.pending, !state.finished else {
                        state.running = false
                        return false
                    }
                    state.pending = false
                    return true
                }
                if !again { return }
            }
        }
    }

    /// Stops accepting requests (a flush in progress completes).
    func finish() { state.withLock { $0.finished = true } }
}
