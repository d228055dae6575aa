import NIOCore
import NIOEmbedded
import NIOWebSocket
import ServerConfig
import ServerEngine
import Synchronization
import Testing

/// Nothing follows a socket's close frame. A message accepted just before the socket closed can reach the event loop
/// after the close frame was written (its write hops from another thread); the client stops reading at the close
/// frame, so that write must fail and the message go back to the application as unsent (the registry queues it
/// again), not count as sent and vanish.
@Suite struct CloseFrameOrderTests {
    @Test func aMessageWrittenAfterTheCloseFrameIsHandedBackAsUnsent() async throws {
        let engine = try await EngineFixtures.engine()
        let setup = WebSocketConnectionHandler.Setup(
            services: engine.services,
            tracker: WebSocketTracker(),
            protocolLimit: 65536,
            pingInterval: .seconds(30)
        )
        // The embedded channel is used on one thread only: no suspension from here on.
        try Self.closeThenWrite(setup)
    }

    private static func closeThenWrite(_ setup: WebSocketConnectionHandler.Setup) throws {
        let channel = EmbeddedChannel()
        channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 9), promise: nil)
        try channel.pipeline.syncOperations.addHandler(WebSocketConnectionHandler(setup, remoteAddress: nil))
        let outcomes = Mutex<(sent: [String], unsent: [String])>(([], []))
        let buffer = WebSocketSendBuffer(budget: ByteBudget(), sink: ChannelFrameSink(channel: channel))
        var hooks = WebSocketSendBuffer.Hooks()
        hooks.sent = { item in outcomes.withLock { $0.sent.append(item.text) } }
        hooks.unsent = { items in outcomes.withLock { $0.unsent += items.map(\.text) } }
        buffer.setHooks(hooks)
        let limits = WebSocketLimits()

        #expect(buffer.offer(.init(text: "before"), limits: limits) == .accepted)
        channel.pipeline.triggerUserOutboundEvent(
            WebSocketCloseRequest(code: .tryAgainLater, reason: "Try again later", forceAfter: .seconds(60)),
            promise: nil
        )
        // Accepted by a buffer that has not closed yet, as in the race: its write comes after the close frame.
        #expect(buffer.offer(.init(text: "after"), limits: limits) == .accepted)

        var opcodes: [WebSocketOpcode] = []
        while let frame = try channel.readOutbound(as: ByteBuffer.self) {
            opcodes.append(WebSocketOpcode(encodedWebSocketOpcode: frame.getInteger(at: frame.readerIndex, as: UInt8.self)! & 0x0F)!)
        }
        #expect(opcodes == [.text, .connectionClose], "only the message written before the close frame went out")
        let (sent, unsent) = outcomes.withLock { $0 }
        #expect(sent == ["before"])
        #expect(unsent == ["after"])
        #expect(buffer.offer(.init(text: "later"), limits: limits) == .closed, "the failed write closed the buffer")
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }
}
