import Synchronization

/// Runs a connection's queue flush when asked, in a short-lived task, at most one at a time: a request that
/// arrives during a flush makes it run once more. An idle socket therefore holds no flusher task (each
/// suspended task costs its async frames, kilobytes per socket; see BENCHMARKS.md, "Memory per socket").
///
/// It also keeps a sender's messages in order across the live path and the queue: while the device may have a
/// backlog in the queue (from connect until a flush finds the queue empty, after a live offer overflowed, or when
/// another instance queued for it), live messages are queued behind the backlog instead of overtaking it
/// (``holdsLive()``); the backlog ends only when a drain comes back empty with no enqueue in flight.
///
/// ```swift
/// let flusher = QueueFlusher { flusher in await drainIntoSocket(flusher) }
/// flusher.yield()   // flush now (or once more after the flush in progress)
/// flusher.finish()  // the socket closed: later requests do nothing
/// ```
final class QueueFlusher: Sendable {
    private struct State {
        var pending = false
        /// The queue may hold messages for the device: live delivery waits. True at connect (a first flush is due).
        var backlog = true
        /// Messages decided for the queue (``holdsLive()``, ``diverted()``) and not yet stored (``enqueued()``).
        var enqueuesInFlight = 0
        /// Messages diverted to the queue since a live offer overflowed (none while the backlog has another cause).
        var diversions = 0
        /// How many settles are under way (``settle()``, ``settled()``): the device's route is being claimed, or it moved
        /// here from another instance whose inbox may still hold messages for it. Meanwhile nothing is flushed and the
        /// backlog lasts: what the old instance held is older than what arrives here live, and the queue puts both in
        /// order (by the senders' timestamps) only once all of it is in.
        var settling = 0
        /// Dropped by ``finish()``: the work refers to the socket's session, whose send buffer refers back to this
        /// flusher (its `drained` hook), and the cycle must not outlive the socket.
        var work: (@Sendable (QueueFlusher) async -> Void)?
        /// The task running flushes, while one runs (``yield()`` then asks it for one more; ``idle()`` waits for it).
        var current: Task<Void, Never>?
    }

    private let state: Mutex<State>

    /// Creates a flusher that runs `work` (given the flusher) for each (coalesced) request.
    init(_ work: @escaping @Sendable (QueueFlusher) async -> Void) {
        self.state = Mutex(State(work: work))
    }

    /// Requests a flush: starts one now, or runs it again after the one in progress.
    func yield() {
        state.withLock { state in
            guard let work = state.work else { return }
            if state.current != nil {
                state.pending = true
                return
            }
            state.pending = false
            // Made under the lock, so ``idle()`` always sees the task that runs (it takes the lock before it ends).
            state.current = Task { await self.run(work) }
        }
    }

    /// Runs `first`, then again while requests came in meanwhile.
    private func run(_ first: @escaping @Sendable (QueueFlusher) async -> Void) async {
        var work = first
        while true {
            await work(self)
            let next = state.withLock { state -> (@Sendable (QueueFlusher) async -> Void)? in
                guard state.pending, let work = state.work else {
                    state.current = nil
                    return nil
                }
                state.pending = false
                return work
            }
            guard let next else { return }
            work = next
        }
    }

    /// Returns once no flush is running (one requested meanwhile included).
    func idle() async {
        while let task = state.withLock({ $0.current }) { await task.value }
    }

    /// Whether a live message must go to the queue instead, behind the backlog (the caller then stores it and calls
    /// ``enqueued()``), with the number of messages diverted since a live offer overflowed when that is the backlog's
    /// cause (a slow receiver: the caller closes it past `websocket.slowConsumerOverflow`).
    enum LiveDecision: Equatable {
        case live
        case held(diversions: Int?)
    }

    /// Decides one live message (see ``LiveDecision``).
    func holdsLive() -> LiveDecision {
        state.withLock { state in
            guard state.backlog else { return .live }
            state.enqueuesInFlight += 1
            guard state.diversions > 0 else { return .held(diversions: nil) }
            state.diversions += 1
            return .held(diversions: state.diversions)
        }
    }

    /// A live offer overflowed the send buffer and goes to the queue: later messages queue behind it. The caller
    /// stores it and calls ``enqueued()``. Returns the number of messages diverted since the backlog began.
    func diverted() -> Int {
        state.withLock { state in
            state.backlog = true
            state.enqueuesInFlight += 1
            state.diversions += 1
            return state.diversions
        }
    }

    /// A message decided for the queue is stored: flush.
    func enqueued() {
        state.withLock { $0.enqueuesInFlight = max(0, $0.enqueuesInFlight - 1) }
        yield()
    }

    /// Something was queued for the device elsewhere (another instance): hold live delivery until it is flushed.
    func backlogSignalled() {
        state.withLock { $0.backlog = true }
        yield()
    }

    /// The device's route is being claimed, or it moved here from another instance: live delivery and flushes wait
    /// until the matching ``settled()`` (settles nest: the last one ends the wait).
    func settle() {
        state.withLock {
            $0.settling += 1
            $0.backlog = true
        }
    }

    /// What the old instance held for the device is queued here: the flush runs, and the backlog can end once the
    /// queue is drained.
    func settled() {
        state.withLock { $0.settling = max(0, $0.settling - 1) }
        yield()
    }

    /// Whether a settle is under way: a flush must not start sending yet (see ``settle()``).
    var isSettling: Bool { state.withLock { $0.settling > 0 } }

    /// A drain found the queue empty: live delivery resumes, unless an enqueue is still in flight (its
    /// ``enqueued()`` flushes again).
    func drainedEmpty() {
        state.withLock { state in
            if state.enqueuesInFlight == 0, state.settling == 0 {
                state.backlog = false
                state.diversions = 0
            }
        }
    }

    /// Stops accepting requests and lets go of the work (a flush in progress completes).
    func finish() { state.withLock { $0.work = nil } }
}
