import NIOCore
import Synchronization

/// A send buffer's way to its socket: each message is written as one text frame and flushed.
///
/// Order: a frame offered on the channel's own event loop is written at once, unless frames offered from other
/// threads are still on their way to that loop; then it follows them. A sender whose messages are relayed partly
/// from a task (after a store read) and partly from its event loop never has a later message overtake an earlier one.
package struct ChannelFrameSink: WebSocketFrameSink {
    let channel: any Channel

    /// A sink writing to `channel`.
    package init(channel: any Channel) { self.channel = channel }

    package var isWritable: Bool { channel.isWritable }

    package func write(_ item: WebSocketSendBuffer.Item, from buffer: WebSocketSendBuffer) {
        let loop = channel.eventLoop
        if loop.inEventLoop, buffer.hopsInFlight.load(ordering: .acquiring) == 0 {
            Self.write(item, to: channel, from: buffer)
            return
        }
        buffer.hopsInFlight.wrappingAdd(1, ordering: .releasing)
        let channel = channel
        loop.execute {
            Self.write(item, to: channel, from: buffer)
            buffer.hopsInFlight.wrappingSubtract(1, ordering: .releasing)
        }
    }

    private static func write(_ item: WebSocketSendBuffer.Item, to channel: any Channel, from buffer: WebSocketSendBuffer) {
        let frame = WebSocketWireFrame.text(item.text, allocator: channel.allocator)
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
