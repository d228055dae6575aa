import Synchronization

/// Counts the messages being put back into the queue after their socket closed unwritten (the send buffer's `unsent`
/// hook runs them in tasks of their own), so that an instance leaving the cluster hands its devices over only once
/// they are stored (``wait()``).
final class PendingRequeues: Sendable {
    private struct State {
        var running = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// A requeue starts.
    func begin() { state.withLock { $0.running += 1 } }

    /// A requeue ended (stored or failed).
    func end() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.running = max(0, state.running - 1)
            guard state.running == 0 else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once no requeue is running.
    func wait() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                guard state.running > 0 else { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
