import NIOCore
import NIOWebSocket

/// A send buffer's way to its socket: each message is written as one text frame and flushed.
struct ChannelFrameSink: WebSocketFrameSink {
    let channel: any Channel

    var isWritable: Bool { channel.isWritable }

    func write(_ item: WebSocketSendBuffer.Item, from buffer: WebSocketSendBuffer) {
        let frame = WebSocketFrame(fin: true, opcode: .text, data: channel.allocator.buffer(string: item.text))
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { result in
            switch result {
            case .success: buffer.sent(item)
            case .failure: buffer.failed(item)
            }
        }
        channel.writeAndFlush(frame, promise: promise)
    }
}
