import NIOCore
import Synchronization

/// A socket's incoming messages on their way to the application's ``WebSocketReceiver``: one at a time, in order,
/// in a task that runs only while messages wait (an idle socket holds none). Past `pauseAt` waiting messages the
/// socket stops being read until the receiver has caught up to half of that.
final class WebSocketInbox: Sendable {
    /// A message, or the rest of one that ``WebSocketReceiver/receiveNow(_:on:)`` began.
    private enum Entry {
        case message(WebSocketMessage)
        case work(@Sendable () async -> Void)
    }

    private struct State {
        var waiting: [Entry] = []
        var head = 0
        var receiver: (any WebSocketReceiver)?
        var running = false
        var finished = false
        var closedReported = false
        var paused = false

        var count: Int { waiting.count - head }

        mutating func popFirst() -> Entry? {
            guard head < waiting.count else { return nil }
            let message = waiting[head]
            head += 1
            if head == waiting.count {
                waiting.removeAll(keepingCapacity: false)
                head = 0
            } else if head > 32, head * 2 > waiting.count {
                waiting.removeFirst(head)
                head = 0
            }
            return message
        }
    }

    /// What the task does next.
    private enum Step {
        case deliver(Entry, any WebSocketReceiver, resume: Bool)
        case reportClosed(any WebSocketReceiver)
        case stop
    }

    private let state = Mutex(State())
    private let session: WebSocketSession
    private let pauseAt: Int

    init(session: WebSocketSession, pauseAt: Int = 64) {
        self.session = session
        self.pauseAt = pauseAt
    }

    /// Starts delivery to `receiver` (once the handler returned it).
    func start(_ receiver: any WebSocketReceiver) {
        let run = state.withLock { state -> Bool in
            state.receiver = receiver
            return Self.claimRun(&state)
        }
        if run { spawn() }
    }

    /// Handles a message on the event loop when nothing waits and the receiver can (``WebSocketReceiver/receiveNow(_:on:)``),
    /// else adds it to the ordered list; returns true when the socket should stop being read. Called on the socket's
    /// event loop only.
    func push(_ message: WebSocketMessage) -> Bool {
        let idleReceiver = state.withLock { state -> (any WebSocketReceiver)? in
            guard !state.finished, !state.running, state.count == 0 else { return nil }
            return state.receiver
        }
        var entry = Entry.message(message)
        if let idleReceiver {
            switch idleReceiver.receiveNow(message, on: session) {
            case .handled: return false
            case .deferred: break
            case .continueWith(let work): entry = .work(work)
            }
        }
        return append(entry)
    }

    private func append(_ entry: Entry) -> Bool {
        let (run, pause) = state.withLock { state -> (Bool, Bool) in
            guard !state.finished else { return (false, false) }
            state.waiting.append(entry)
            let pause = !state.paused && state.count >= pauseAt
            if pause { state.paused = true }
            return (Self.claimRun(&state), pause)
        }
        if run { spawn() }
        return pause
    }

    /// The socket closed: what waits is still delivered, then the receiver hears `closed`.
    func finish() {
        let run = state.withLock { state -> Bool in
            state.finished = true
            return Self.claimRun(&state)
        }
        if run { spawn() }
    }

    /// True (and marks running) when a task should start: a receiver, work to do, and none running.
    private static func claimRun(_ state: inout State) -> Bool {
        guard !state.running, state.receiver != nil, state.count > 0 || (state.finished && !state.closedReported) else { return false }
        state.running = true
        return true
    }

    private func spawn() {
        Task { await self.run() }
    }

    private func run() async {
        while true {
            let step = state.withLock { state -> Step in
                guard let receiver = state.receiver else {
                    state.running = false
                    return .stop
                }
                if let message = state.popFirst() {
                    let resume = state.paused && state.count <= pauseAt / 2
                    if resume { state.paused = false }
                    return .deliver(message, receiver, resume: resume)
                }
                if state.finished, !state.closedReported {
                    state.closedReported = true
                    return .reportClosed(receiver)
                }
                state.running = false
                return .stop
            }
            switch step {
            case .deliver(let entry, let receiver, let resume):
                if resume, let channel = session.channel {
                    channel.setOption(ChannelOptions.autoRead, value: true).whenSuccess { channel.read() }
                }
                switch entry {
                case .message(let message): await receiver.receive(message, on: session)
                case .work(let work): await work()
                }
            case .reportClosed(let receiver):
                await receiver.closed(session)
            case .stop:
                return
            }
        }
    }
}
