import DocumentStore
import HummingbirdWebSocket
import ServerConfig
import Synchronization

/// A socket's bounded outgoing buffer, drained by a writer task of its own, so a receiver that stops reading
/// never stalls the sockets that send to it.
///
/// ``offer(_:limits:)`` never waits: it accepts a message while the buffer is under `websocket.sendBuffer` bytes and
/// `websocket.sendBufferMessages` messages (and the process under `websocket.maxBufferedBytes`), and otherwise
/// answers `.overflow` with the number of messages refused since the buffer last emptied, so the application can
/// store the message elsewhere (the registry's offline queue) and close a socket that stays behind. Messages that
/// were accepted but never written (the socket closed first, or a write failed) are handed to the `unsent` hook.
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
        /// The frame's size in bytes.
        public var bytes: Int { text.utf8.count }

        /// Creates an item.
        public init(text: String, payload: Document? = nil) {
            self.text = text
            self.payload = payload
        }
    }

    /// The outcome of an offer.
    public enum Offer: Sendable, Equatable {
        /// Buffered; the writer task will send it.
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
        /// The buffer emptied after it had refused messages: the receiver caught up.
        public var drained: @Sendable () -> Void = {}

        /// No-op hooks.
        public init() {}
    }

    private struct State {
        var items: [Item] = []
        var head = 0
        var bytes = 0
        var inFlight = false
        var overflow = 0
        var closed = false
        var waiter: CheckedContinuation<Item?, Never>?
        var hooks = Hooks()

        var isEmpty: Bool { head == items.count }
        var count: Int { items.count - head }

        mutating func popFirst() -> Item? {
            guard head < items.count else { return nil }
            let item = items[head]
            head += 1
            if head > 64, head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            return item
        }
    }

    private let state = Mutex(State())
    private let budget: ByteBudget

    /// Creates an empty buffer drawing on the process's `budget`.
    public init(budget: ByteBudget) {
        self.budget = budget
    }

    /// Sets the hooks (before the first offer).
    public func setHooks(_ hooks: Hooks) {
        state.withLock { $0.hooks = hooks }
    }

    /// Bytes waiting (the message being written included).
    public var bufferedBytes: Int { state.withLock { $0.bytes } }

    /// True when nothing is waiting and no overflow is pending: a good time to send queued messages.
    public var hasRoom: Bool { state.withLock { !$0.closed && $0.isEmpty && $0.overflow == 0 } }

    /// True once ``close()`` was called.
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Buffers `item` if the limits allow it; never waits.
    public func offer(_ item: Item, limits: WebSocketLimits) -> Offer {
        let size = item.bytes
        return state.withLock { state in
            if state.closed { return .closed }
            // One message always fits in an empty buffer, whatever its size (the frame limit bounds it).
            let fits =
                state.bytes == 0
                || (state.count + (state.inFlight ? 1 : 0) < limits.sendBufferMessages && state.bytes + size <= limits.sendBufferBytes)
            guard fits, budget.reserve(size, limit: limits.maxBufferedBytes) else {
                state.overflow += 1
                return .overflow(count: state.overflow)
            }
            state.bytes += size
            if let waiter = state.waiter {
                state.waiter = nil
                state.inFlight = true
                waiter.resume(returning: item)
            } else {
                state.items.append(item)
            }
            return .accepted
        }
    }

    /// The writer's next message, waiting for one; nil once closed.
    func next() async -> Item? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Item?, Never>) in
                state.withLock { state in
                    if state.closed || Task.isCancelled {
                        continuation.resume(returning: nil)
                    } else if let item = state.popFirst() {
                        state.inFlight = true
                        continuation.resume(returning: item)
                    } else {
                        state.waiter = continuation
                    }
                }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// The writer wrote `item`.
    func sent(_ item: Item) {
        let (hooks, drained) = state.withLock { state in
            state.inFlight = false
            state.bytes -= item.bytes
            let drained = state.isEmpty && state.overflow > 0 && !state.closed
            if drained { state.overflow = 0 }
            return (state.hooks, drained)
        }
        budget.release(item.bytes)
        hooks.sent(item)
        if drained { hooks.drained() }
    }

    /// The writer could not write `item`: it and everything still buffered are unsent, and the buffer closes.
    func failed(_ item: Item) {
        let (hooks, unsent, bytes) = state.withLock { state in
            state.inFlight = false
            return Self.closeLocked(&state, prepend: item)
        }
        budget.release(bytes)
        if !unsent.isEmpty { hooks.unsent(unsent) }
    }

    /// Closes the buffer: later offers are refused, the writer stops, and what was still waiting goes to the
    /// `unsent` hook (a message being written at this moment is reported by the writer). Idempotent.
    public func close() {
        let (hooks, unsent, bytes, waiter) = state.withLock { state in
            let waiter = state.waiter
            state.waiter = nil
            let (hooks, unsent, bytes) = Self.closeLocked(&state, prepend: nil)
            return (hooks, unsent, bytes, waiter)
        }
        waiter?.resume(returning: nil)
        budget.release(bytes)
        if !unsent.isEmpty { hooks.unsent(unsent) }
    }

    /// Marks closed and empties the buffer; returns the hooks, the unsent items and the bytes to give back.
    private static func closeLocked(_ state: inout State, prepend: Item?) -> (Hooks, [Item], Int) {
        state.closed = true
        var unsent: [Item] = prepend.map { [$0] } ?? []
        while let item = state.popFirst() { unsent.append(item) }
        state.items = []
        state.head = 0
        let bytes = state.bytes
        // Bytes of an in-flight message are returned by `sent`/`failed`.
        let inFlightBytes = state.inFlight ? (state.bytes - unsent.reduce(0) { $0 + $1.bytes }) : 0
        state.bytes = inFlightBytes
        return (state.hooks, unsent, bytes - inFlightBytes)
    }

    /// Writes buffered messages to `outbound` until the buffer closes or a write fails.
    func runWriter(_ outbound: WebSocketOutboundWriter) async {
        while let item = await next() {
            do {
                try await outbound.write(.text(item.text))
                sent(item)
            } catch {
                failed(item)
                return
            }
        }
    }
}
