import DocumentStore
import ServerConfig
import Synchronization

/// A socket's bounded outgoing buffer, so a receiver that stops reading never stalls the sockets that send to it.
///
/// ``offer(_:limits:)`` never waits: it accepts a message while the buffer is under `websocket.sendBuffer` bytes and
/// `websocket.sendBufferMessages` messages (and the process under `websocket.maxBufferedBytes`), and otherwise
/// answers `.overflow` with the number of messages refused since the buffer last emptied, so the application can
/// store the message elsewhere (the registry's offline queue) and close a socket that stays behind. Accepted messages
/// are written to the socket while it is writable and wait here while it is not. Messages that were accepted but
/// never written (the socket closed first, or a write failed) are handed to the `unsent` hook.
///
/// ```swift
/// switch session.sendBuffer.offer(.init(text: frame, payload: stored), limits: session.services.configuration.limits.webSocket) {
/// case .accepted: break
/// case .overflow, .closed: try await queue.enqueue(stored)
/// }
/// ```
public final class WebSocketSendBuffer: Sendable {
    /// One outgoing text message, with what the application needs to store it again if it is not sent.
    public struct Item: Sendable {
        /// The frame's text.
        public let text: String
        /// The application's form of the message (the registry's stored document), handed back when unsent.
        public let payload: Document?
        /// True when the application stores the message again if it is not sent: it carries a `payload`, or can
        /// rebuild one from `text` (a relayed message built straight from the frame it came in).
        public let storable: Bool
        /// The frame's size in bytes.
        public var bytes: Int { text.utf8.count }

        /// Creates an item; it is storable when it has a payload.
        public init(text: String, payload: Document? = nil) {
            self.text = text
            self.payload = payload
            self.storable = payload != nil
        }

        /// Creates a storable item whose stored form the application rebuilds from `text` if it is not sent.
        public init(storableText text: String) {
            self.text = text
            self.payload = nil
            self.storable = true
        }
    }

    /// The outcome of an offer.
    public enum Offer: Sendable, Equatable {
        /// Buffered or written.
        case accepted
        /// Refused because the buffer (or the process's budget) is full; `count` refusals since it last emptied.
        case overflow(count: Int)
        /// Refused because the socket is closing.
        case closed
    }

    /// What the application learns about its messages.
    public struct Hooks: Sendable {
        /// A message was written to the socket.
        public var sent: @Sendable (Item) -> Void = { _ in }
        /// Accepted messages that will never be written (the socket closed, or a write failed).
        public var unsent: @Sendable ([Item]) -> Void = { _ in }
        /// The buffer emptied after it had refused messages, or after a caller found no room and asked to be told
        /// (``hasRoomOrNotifyWhenDrained()``): the receiver caught up.
        public var drained: @Sendable () -> Void = {}

        /// No-op hooks.
        public init() {}
    }

    private struct State {
        var waiting: [Item] = []
        var head = 0
        var inFlight = 0
        var bytes = 0
        var overflow = 0
        /// A caller found no room (``hasRoomOrNotifyWhenDrained()``) and waits for the `drained` hook.
        var drainWanted = false
        var closed = false
        var hooks = Hooks()

        var isEmpty: Bool { head == waiting.count }
        var count: Int { waiting.count - head }

        mutating func takeAll() -> [Item] {
            let items = Array(waiting[head...])
            waiting = []
            head = 0
            return items
        }
    }

    private let state = Mutex(State())
    private let budget: ByteBudget
    /// Writes handed to the socket's event loop from other threads and not yet done (``ChannelFrameSink`` keeps the
    /// order of writes from the loop itself behind them).
    let hopsInFlight = Atomic<Int>(0)
    /// Where accepted messages are written; nil for a buffer that only holds them (tests).
    private let sink: (any WebSocketFrameSink)?

    /// Creates an empty buffer drawing on the process's `budget` that only holds what it accepts.
    package convenience init(budget: ByteBudget) {
        self.init(budget: budget, sink: nil)
    }

    /// Creates an empty buffer writing to `sink`.
    package init(budget: ByteBudget, sink: (any WebSocketFrameSink)?) {
        self.budget = budget
        self.sink = sink
    }

    /// Sets the hooks (before the first offer).
    public func setHooks(_ hooks: Hooks) {
        state.withLock { $0.hooks = hooks }
    }

    /// Bytes accepted and not yet written.
    public var bufferedBytes: Int { state.withLock { $0.bytes } }

    /// True when nothing is waiting and no overflow is pending: a good time to send queued messages.
    public var hasRoom: Bool { state.withLock { Self.hasRoom($0) } }

    /// ``hasRoom``; when there is none (and the buffer is open), the `drained` hook is called once the buffer has
    /// emptied, as after a refused offer. A caller that stops sending for want of room uses this, so it is woken
    /// again even though nothing it offered was refused.
    public func hasRoomOrNotifyWhenDrained() -> Bool {
        state.withLock { state in
            if Self.hasRoom(state) { return true }
            if !state.closed { state.drainWanted = true }
            return false
        }
    }

    private static func hasRoom(_ state: State) -> Bool { !state.closed && state.isEmpty && state.overflow == 0 }

    /// Buffers or writes `item` if the limits allow it; never waits.
    public func offer(_ item: Item, limits: WebSocketLimits) -> Offer {
        let size = item.bytes
        let (outcome, writeNow) = state.withLock { state -> (Offer, Bool) in
            if state.closed { return (.closed, false) }
            // One message always fits in an empty buffer, whatever its size (the frame limit bounds it).
            let fits =
                state.bytes == 0
                || (state.count + state.inFlight < limits.sendBufferMessages && state.bytes + size <= limits.sendBufferBytes)
            guard fits, budget.reserve(size, limit: limits.maxBufferedBytes) else {
                state.overflow += 1
                return (.overflow(count: state.overflow), false)
            }
            state.bytes += size
            if let sink, state.isEmpty, sink.isWritable {
                state.inFlight += 1
                return (.accepted, true)
            }
            state.waiting.append(item)
            return (.accepted, false)
        }
        if writeNow, let sink {
            sink.write(item, from: self)
        } else if outcome == .accepted, sink?.isWritable == true {
            writeWaiting()  // it became writable while this item was being put aside
        }
        return outcome
    }

    /// Writes what is waiting (the socket became writable again).
    package func writeWaiting() {
        guard let sink else { return }
        let items = state.withLock { state -> [Item] in
            guard !state.closed, !state.isEmpty else { return [] }
            state.inFlight += state.count
            return state.takeAll()
        }
        for item in items { sink.write(item, from: self) }
    }

    /// The sink wrote `item`.
    package func sent(_ item: Item) {
        let (hooks, drained) = state.withLock { state in
            state.inFlight -= 1
            state.bytes -= item.bytes
            let drained = state.isEmpty && state.inFlight == 0 && (state.overflow > 0 || state.drainWanted) && !state.closed
            if drained {
                state.overflow = 0
                state.drainWanted = false
            }
            return (Self.takeHooks(&state), drained)
        }
        budget.release(item.bytes)
        hooks.sent(item)
        if drained { hooks.drained() }
    }

    /// The sink could not write `item` (the socket closed): it and everything still waiting are unsent, and the
    /// buffer closes.
    func failed(_ item: Item) {
        let (hooks, unsent) = state.withLock { state in
            state.inFlight -= 1
            state.bytes -= item.bytes
            let waiting = Self.closeLocked(&state)
            return (Self.takeHooks(&state), [item] + waiting)
        }
        budget.release(unsent.reduce(0) { $0 + $1.bytes })
        hooks.unsent(unsent)
    }

    /// Closes the buffer: later offers are refused, and what was still waiting goes to the `unsent` hook (messages
    /// being written at this moment are reported as sent or unsent when their write ends). Idempotent.
    public func close() {
        let (hooks, unsent) = state.withLock { state in
            let unsent = Self.closeLocked(&state)
            return (Self.takeHooks(&state), unsent)
        }
        budget.release(unsent.reduce(0) { $0 + $1.bytes })
        if !unsent.isEmpty { hooks.unsent(unsent) }
    }

    /// The hooks for a callback about to be made; once the buffer is closed and no write is in flight no callback
    /// can follow, so the buffer lets go of them (they usually refer to the socket's session, which refers to this
    /// buffer: the cycle must end with the socket).
    private static func takeHooks(_ state: inout State) -> Hooks {
        let hooks = state.hooks
        if state.closed, state.inFlight == 0 { state.hooks = Hooks() }
        return hooks
    }

    /// Marks closed and empties the waiting list; returns what was waiting.
    private static func closeLocked(_ state: inout State) -> [Item] {
        state.closed = true
        let unsent = state.takeAll()
        state.bytes -= unsent.reduce(0) { $0 + $1.bytes }
        return unsent
    }
}

/// Where a send buffer writes: the socket's channel.
package protocol WebSocketFrameSink: Sendable {
    /// True while the socket takes more without queueing in the kernel-facing buffers.
    var isWritable: Bool { get }
    /// Writes `item` as a text frame, then reports to `buffer` with ``WebSocketSendBuffer/sent(_:)`` or ``WebSocketSendBuffer/failed(_:)``.
    func write(_ item: WebSocketSendBuffer.Item, from buffer: WebSocketSendBuffer)
}
