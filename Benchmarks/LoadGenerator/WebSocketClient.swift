import NIOCore
import NIOPosix
import NIOWebSocket

/// What a client socket does with the frames it receives; called on the socket's event loop.
protocol WebSocketReceiver: AnyObject {
    func received(text: ByteBuffer, on socket: WebSocketClientHandler)
    func closed(_ socket: WebSocketClientHandler, code: Int?)
}

/// Sends the upgrade request as raw bytes and, on `101`, replaces itself with the WebSocket codec and the
/// socket's handler (bytes that arrived behind the response are passed on).
final class WebSocketHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let request: ByteBuffer
    private let socket: WebSocketClientHandler
    private let upgraded: EventLoopPromise<Void>
    private var buffer = ByteBuffer()
    private var done = false

    init(request: ByteBuffer, socket: WebSocketClientHandler, upgraded: EventLoopPromise<Void>) {
        self.request = request
        self.socket = socket
        self.upgraded = upgraded
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        let end = buffer.withUnsafeReadableBytes { raw -> Int? in
            guard raw.count >= 4 else { return nil }
            for index in 3..<raw.count where raw[index] == 10 && raw[index - 1] == 13 && raw[index - 2] == 10 && raw[index - 3] == 13 {
                return index + 1
            }
            return nil
        }
        guard let end, let head = buffer.readString(length: end) else { return }
        guard head.hasPrefix("HTTP/1.1 101") else {
            fail(context, "upgrade refused: \(head.prefix(12))")
            return
        }
        done = true
        do {
            try context.pipeline.syncOperations.addHandlers([
                ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 22)), WebSocketFrameEncoder(), socket,
            ])
        } catch {
            fail(context, "\(error)")
            return
        }
        upgraded.succeed(())
        if buffer.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(buffer)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { fail(context, "\(error)") }

    func channelInactive(context: ChannelHandlerContext) {
        if !done { fail(context, "closed before the upgrade") }
        context.fireChannelInactive()
    }

    private func fail(_ context: ChannelHandlerContext, _ reason: String) {
        guard !done else { return }
        done = true
        upgraded.fail(UsageError(reason))
        context.close(promise: nil)
    }
}

/// One client WebSocket: answers pings, hands text frames to its receiver, sends masked text frames.
/// Confined to its channel's event loop: created before the connection, then touched only on that loop.
final class WebSocketClientHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// The scenario's index of this socket.
    let index: Int
    weak var receiver: (any WebSocketReceiver)?
    private(set) var context: ChannelHandlerContext?
    private(set) var isOpen = false
    private(set) var pings = 0
    private(set) var closeCode: Int?
    /// A text message whose frames are still arriving (the server splits long messages into fragments).
    private var fragments: ByteBuffer?

    init(index: Int, receiver: (any WebSocketReceiver)?) {
        self.index = index
        self.receiver = receiver
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        isOpen = context.channel.isActive
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text where frame.fin:
            receiver?.received(text: frame.unmaskedData, on: self)
        case .text:
            fragments = frame.unmaskedData
        case .continuation:
            guard var message = fragments else { break }
            var data = frame.unmaskedData
            message.writeBuffer(&data)
            fragments = frame.fin ? nil : message
            if frame.fin { receiver?.received(text: message, on: self) }
        case .ping:
            pings += 1
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            var data = frame.unmaskedData
            closeCode = data.readInteger(as: UInt16.self).map(Int.init) ?? 1005
            isOpen = false
            context.close(promise: nil)
        default:
            break
        }
    }

    /// Sends a text frame; call on the socket's event loop. `flush: false` batches until `flush()`.
    func send(text: ByteBuffer, flush: Bool = true) {
        guard isOpen, let context else { return }
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: text)
        if flush { context.writeAndFlush(wrapOutboundOut(frame), promise: nil) } else { context.write(wrapOutboundOut(frame), promise: nil) }
    }

    func flush() { context?.flush() }

    /// Closes the socket with 1000; call on the socket's event loop.
    func close() {
        guard isOpen, let context else { return }
        isOpen = false
        var data = context.channel.allocator.buffer(capacity: 2)
        data.writeInteger(UInt16(1000))
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data)), promise: nil)
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    func channelInactive(context: ChannelHandlerContext) {
        isOpen = false
        receiver?.closed(self, code: closeCode)
    }
}

/// Opens one signaling socket: TCP connect (from `source` when given), raw upgrade request, 101.
func openWebSocket(
    on loop: any EventLoop,
    host: String,
    port: Int,
    path: String,
    token: String,
    source: String?,
    socket: WebSocketClientHandler
) -> EventLoopFuture<any Channel> {
    let upgraded = loop.makePromise(of: Void.self)
    let request = ByteBuffer(
        string: "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer \(token)\r\n\r\n"
    )
    var bootstrap = ClientBootstrap(group: loop)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(WebSocketHandshakeHandler(request: request, socket: socket, upgraded: upgraded))
            }
        }
    if let source, let address = try? SocketAddress(ipAddress: source, port: 0) { bootstrap = bootstrap.bind(to: address) }
    let connected = bootstrap.connect(host: host, port: port)
    connected.whenFailure { upgraded.fail($0) }
    return connected.flatMap { channel in upgraded.futureResult.map { channel } }
}
