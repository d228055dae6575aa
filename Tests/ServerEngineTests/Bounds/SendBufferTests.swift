import Foundation
import ServerConfig
import ServerEngine
import Synchronization
import Testing

/// A socket's bounded outgoing buffer: offers never wait, overflow is reported, unsent messages are handed back.
@Suite struct SendBufferTests {
    final class Recorder: Sendable {
        let unsent = Mutex<[String]>([])
        let drained = Mutex(0)
    }

    static func item(_ text: String) -> WebSocketSendBuffer.Item { .init(text: text) }

    @Test func offersOverTheByteOrMessageBoundOverflowAndCount() {
        let budget = ByteBudget()
        let buffer = WebSocketSendBuffer(budget: budget)
        let limits = WebSocketLimits(sendBufferBytes: 10, sendBufferMessages: 3)
        #expect(buffer.offer(Self.item("aaaa"), limits: limits) == .accepted)
        #expect(buffer.offer(Self.item("bbbb"), limits: limits) == .accepted)
        #expect(buffer.offer(Self.item("cccc"), limits: limits) == .overflow(count: 1))  // 12 bytes > 10
        #expect(buffer.offer(Self.item("cc"), limits: limits) == .accepted)
        #expect(buffer.offer(Self.item("d"), limits: limits) == .overflow(count: 2))  // 3 messages
        #expect(buffer.bufferedBytes == 10)
        #expect(budget.bytes == 10)
    }

    @Test func oneMessageAlwaysFitsAnEmptyBuffer() {
        let buffer = WebSocketSendBuffer(budget: ByteBudget())
        let limits = WebSocketLimits(sendBufferBytes: 4)
        #expect(buffer.offer(Self.item("larger than four"), limits: limits) == .accepted)
        #expect(buffer.offer(Self.item("x"), limits: limits) == .overflow(count: 1))
    }

    @Test func theProcessBudgetBoundsAllBuffersTogether() {
        let budget = ByteBudget()
        let limits = WebSocketLimits(sendBufferBytes: 100, maxBufferedBytes: 12)
        let first = WebSocketSendBuffer(budget: budget)
        let second = WebSocketSendBuffer(budget: budget)
        #expect(first.offer(Self.item("12345678"), limits: limits) == .accepted)
        #expect(second.offer(Self.item("12345678"), limits: limits) == .overflow(count: 1))
        first.close()
        #expect(budget.bytes == 0)
        #expect(second.offer(Self.item("12345678"), limits: limits) == .accepted)
    }

    @Test func closingHandsBackWhatWasNotSentAndRefusesMore() {
        let recorder = Recorder()
        let budget = ByteBudget()
        let buffer = WebSocketSendBuffer(budget: budget)
        var hooks = WebSocketSendBuffer.Hooks()
        hooks.unsent = { items in recorder.unsent.withLock { $0 += items.map(\.text) } }
        buffer.setHooks(hooks)
        let limits = WebSocketLimits()
        for text in ["one", "two", "three"] { #expect(buffer.offer(Self.item(text), limits: limits) == .accepted) }
        buffer.close()
        #expect(recorder.unsent.withLock { $0 } == ["one", "two", "three"])
        #expect(buffer.offer(Self.item("four"), limits: limits) == .closed)
        #expect(budget.bytes == 0)
        buffer.close()  // idempotent
        #expect(recorder.unsent.withLock { $0.count } == 3)
    }
}
