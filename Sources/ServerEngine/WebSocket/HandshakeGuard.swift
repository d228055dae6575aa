import DocumentStore
import NIOCore

/// The first handler of a signaling connection until its upgrade completes: closes a connection that has not
/// upgraded within `websocket.handshakeTimeout` (idle or sending its request head slowly), and answers `431` to a
/// request head larger than `websocket.maxHeaderSize` (every byte before the upgrade is head: an upgrade request has
/// no body, and plain requests on this port are answered and closed). Removed once the socket is upgraded.
///
/// The timeout runs on the event loop's clock, not the engine's ``WallClock``: a deliberate boundary, NIO timers
/// inside channel handlers stay on NIO (tests of it use short real timeouts).
final class HandshakeGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let maxHeaderSize: Int
    /// Called (on the event loop) when the guard closes a connection, with the limit's name.
    private let onRefusal: @Sendable (String) -> Void
    private var received = 0
    private var timer: Scheduled<Void>?
    private var refused = false

    init(timeout: TimeAmount, maxHeaderSize: Int, onRefusal: @escaping @Sendable (String) -> Void) {
        self.timeout = timeout
        self.maxHeaderSize = maxHeaderSize
        self.onRefusal = onRefusal
    }

    func handlerAdded(context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            guard context.channel.isActive else { return }
            onRefusal("handshakeTimeout")
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        received += unwrapInboundIn(data).readableBytes
        guard received <= maxHeaderSize else {
            refused = true
            onRefusal("maxHeaderSize")
            let body = JSONWriter.string(["error": .string("Request header too large; the limit is \(maxHeaderSize) bytes")])
            let response =
                "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json; charset=utf-8\r\n"
                + "content-length: \(body.utf8.count)\r\nconnection: close\r\n\r\n\(body)"
            context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: response))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
            return
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }
}
