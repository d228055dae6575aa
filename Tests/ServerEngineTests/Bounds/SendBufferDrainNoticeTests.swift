import ServerConfig
import ServerEngine
import Synchronization
import Testing

/// The `drained` hook wakes a sender that stopped for want of room, not only one whose offer was refused: the queue
/// flush of a slow receiver stops when the buffer is full and relies on that hook to resume (a lost wake-up left
/// queued messages waiting while their recipient was connected).
@Suite struct SendBufferDrainNoticeTests {
    /// A socket driven by hand: it is unwritable until the test says so, and completes writes when told.
    final class ManualSink: WebSocketFrameSink, Sendable {
        let writable = Atomic(false)
        let written = Mutex<[WebSocketSendBuffer.Item]>([])
        var isWritable: Bool { writable.load(ordering: .relaxed) }

        func write(_ item: WebSocketSendBuffer.Item, from buffer: WebSocketSendBuffer) {
            written.withLock { $0.append(item) }
        }

        /// The kernel took every write handed over so far.
        func completeWrites(_ buffer: WebSocketSendBuffer) {
            let items = written.withLock { items in
                defer { items.removeAll() }
                return items
            }
            for item in items { buffer.sent(item) }
        }
    }

    /// How often the `drained` hook was called.
    final class Count: Sendable {
        private let value = Atomic(0)
        func increment() { value.add(1, ordering: .relaxed) }
        var count: Int { value.load(ordering: .relaxed) }
    }

    private static func makeBuffer() -> (WebSocketSendBuffer, ManualSink, Count) {
        let sink = ManualSink()
        let buffer = WebSocketSendBuffer(budget: ByteBudget(), sink: sink)
        let drained = Count()
        var hooks = WebSocketSendBuffer.Hooks()
        hooks.drained = { drained.increment() }
        buffer.setHooks(hooks)
        return (buffer, sink, drained)
    }

    @Test func aSenderThatFoundNoRoomIsToldWhenTheBufferEmpties() {
        let (buffer, sink, drained) = Self.makeBuffer()
        let limits = WebSocketLimits()
        // Accepted while the socket is unwritable: it waits, and the buffer has no room for a flush, with no refusal.
        #expect(buffer.offer(.init(text: "waiting"), limits: limits) == .accepted)
        #expect(!buffer.hasRoomOrNotifyWhenDrained())
        sink.writable.store(true, ordering: .relaxed)
        buffer.writeWaiting()
        sink.completeWrites(buffer)
        #expect(drained.count == 1)
        #expect(buffer.hasRoom)
        // Told once: the notice is used up.
        #expect(buffer.offer(.init(text: "next"), limits: limits) == .accepted)
        sink.completeWrites(buffer)
        #expect(drained.count == 1)
    }

    @Test func aSenderThatFoundRoomIsNotToldAndTheHookStaysForRefusals() {
        let (buffer, sink, drained) = Self.makeBuffer()
        sink.writable.store(true, ordering: .relaxed)
        let limits = WebSocketLimits(sendBufferMessages: 1)
        #expect(buffer.hasRoomOrNotifyWhenDrained())
        #expect(buffer.offer(.init(text: "one"), limits: limits) == .accepted)
        sink.completeWrites(buffer)
        #expect(drained.count == 0)
        // A refusal still asks for the hook, as before.
        #expect(buffer.offer(.init(text: "two"), limits: limits) == .accepted)
        #expect(buffer.offer(.init(text: "three"), limits: limits) == .overflow(count: 1))
        sink.completeWrites(buffer)
        #expect(drained.count == 1)
    }
}
