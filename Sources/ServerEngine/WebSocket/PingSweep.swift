import NIOCore
import Synchronization

/// One ping timer per event loop for all the sockets on it, instead of a scheduled task per socket (each costs
/// about 250 bytes: the task, its promise and closures, an entry in the loop's timer heap).
///
/// Every `interval` the sweep visits the sockets of its loop: one that has not answered the previous ping (nor sent
/// anything since) is closed, the others are pinged. A socket is therefore pinged within one interval of its
/// connect and closed within two intervals of going silent. The sweep's timer runs only while its loop has sockets.
///
/// The timer runs on the event loop's clock, not the engine's ``WallClock``: a deliberate boundary, NIO timers
/// inside channel handlers stay on NIO.
final class PingSweeps: Sendable {
    private let interval: TimeAmount
    private let sweeps = Mutex<[ObjectIdentifier: PingSweep]>([:])

    init(interval: TimeAmount) {
        self.interval = interval
    }

    /// The sweep of `eventLoop` (made on first use).
    func sweep(for eventLoop: any EventLoop) -> PingSweep {
        sweeps.withLock { sweeps in
            if let sweep = sweeps[ObjectIdentifier(eventLoop)] { return sweep }
            let sweep = PingSweep(eventLoop: eventLoop, interval: interval)
            sweeps[ObjectIdentifier(eventLoop)] = sweep
            return sweep
        }
    }
}

/// The sockets of one event loop that are pinged together (see ``PingSweeps``). Used only on its loop.
final class PingSweep: @unchecked Sendable {
    /// A socket the sweep visits.
    struct Member {
        let handler: WebSocketConnectionHandler
        let context: ChannelHandlerContext
    }

    private let eventLoop: any EventLoop
    private let interval: TimeAmount
    private var members: [Member] = []
    private var timer: RepeatedTask?

    fileprivate init(eventLoop: any EventLoop, interval: TimeAmount) {
        self.eventLoop = eventLoop
        self.interval = interval
    }

    /// Adds a socket; returns its place, which ``remove(at:)`` takes back.
    func add(_ handler: WebSocketConnectionHandler, context: ChannelHandlerContext) -> Int {
        eventLoop.preconditionInEventLoop()
        members.append(Member(handler: handler, context: context))
        if timer == nil {
            timer = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] (_: RepeatedTask) in
                tick()
            }
        }
        return members.count - 1
    }

    /// Removes the socket at `place`; the socket that took that place (the last one) is told its new place.
    func remove(at place: Int) {
        eventLoop.preconditionInEventLoop()
        guard place >= 0, place < members.count else { return }
        let last = members.removeLast()
        if place < members.count {
            members[place] = last
            last.handler.pingPlace = place
        }
        if members.isEmpty {
            timer?.cancel()
            timer = nil
        }
    }

    private func tick() {
        // A socket may close (and leave the sweep) while it is visited: walk a copy.
        let visiting = members
        for member in visiting {
            member.handler.pingTick(context: member.context)
        }
    }
}
