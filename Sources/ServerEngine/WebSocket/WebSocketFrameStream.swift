import NIOCore

/// A socket's incoming bytes as a stream of frames: each read is cut into the ``WebSocketWireFrame``s it completes,
/// and the start of a frame whose rest has not arrived waits in a buffer of its own (the channel reuses its receive
/// buffer), without the frames already read before it.
struct WebSocketFrameStream {
    private var unparsed: ByteBuffer?

    /// Hands `body` every frame `bytes` completes, in order, and keeps an incomplete last one for the next read.
    /// Throws at the first frame the header checks refuse; nothing is kept then.
    mutating func read(
        _ bytes: ByteBuffer,
        maxPayload: Int,
        allocator: ByteBufferAllocator,
        _ body: (WebSocketWireFrame) -> Void
    ) throws(WebSocketWireFrame.Refusal) {
        var buffer = bytes
        var ownsBuffer = false
        if var pending = unparsed {
            unparsed = nil
            pending.writeBuffer(&buffer)
            buffer = pending
            ownsBuffer = true
        }
        while let frame = try WebSocketWireFrame.read(from: &buffer, maxPayload: maxPayload) { body(frame) }
        guard buffer.readableBytes > 0 else { return }
        if ownsBuffer {
            buffer.discardReadBytes()
            unparsed = buffer
        } else {
            var kept = allocator.buffer(capacity: buffer.readableBytes)
            kept.writeBuffer(&buffer)
            unparsed = kept
        }
    }
}
