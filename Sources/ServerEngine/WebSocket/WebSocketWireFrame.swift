import NIOCore
import NIOWebSocket

/// One WebSocket frame as it is on the wire (RFC 6455 5.2), read and written by ``WebSocketConnectionHandler`` itself
/// instead of through NIO's frame decoder and encoder: a socket then has one handler, not three, and no
/// per-frame storage object (BENCHMARKS.md, "Memory per socket").
package struct WebSocketWireFrame {
    /// The first byte: FIN, the three reserved bits and the opcode.
    package let firstByte: UInt8
    /// The masking key's four bytes in wire order, or nil for an unmasked frame.
    package let maskKey: UInt32?
    /// The payload, still masked.
    package let data: ByteBuffer

    package var fin: Bool { firstByte & 0x80 != 0 }
    package var hasReservedBits: Bool { firstByte & 0x70 != 0 }
    package var opcode: WebSocketOpcode { WebSocketOpcode(encodedWebSocketOpcode: firstByte & 0x0F)! }

    /// Why the bytes read so far cannot be a frame the socket accepts.
    package enum Refusal: Error, Equatable {
        /// A payload over the limit (1009).
        case tooLarge
        /// A fragmented control frame, or a control frame over 125 bytes (1002).
        case malformedControlFrame
    }

    /// Reads the next complete frame from `buffer`, or returns nil (consuming nothing) while it is incomplete. The
    /// header is checked as soon as it is there, so an oversized frame is refused before its payload arrives.
    package static func read(from buffer: inout ByteBuffer, maxPayload: Int) throws(Refusal) -> WebSocketWireFrame? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self), let second = buffer.getInteger(at: start + 1, as: UInt8.self) else {
            return nil
        }
        var headerSize = 2
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let word = buffer.getInteger(at: start + 2, as: UInt16.self) else { return nil }
            length = Int(word)
            headerSize = 4
        } else if length == 127 {
            guard let word = buffer.getInteger(at: start + 2, as: UInt64.self) else { return nil }
            guard word <= UInt64(maxPayload) else { throw .tooLarge }
            length = Int(word)
            headerSize = 10
        }
        guard length <= maxPayload else { throw .tooLarge }
        if first & 0x08 != 0, first & 0x80 == 0 || length > 125 { throw .malformedControlFrame }
        var maskKey: UInt32?
        if second & 0x80 != 0 {
            guard let key = buffer.getInteger(at: start + headerSize, as: UInt32.self) else { return nil }
            maskKey = key
            headerSize += 4
        }
        guard buffer.readableBytes >= headerSize + length else { return nil }
        buffer.moveReaderIndex(forwardBy: headerSize)
        return WebSocketWireFrame(firstByte: first, maskKey: maskKey, data: buffer.readSlice(length: length)!)
    }

    /// The payload unmasked, eight bytes at a time.
    package var unmaskedData: ByteBuffer {
        var data = self.data
        guard let maskKey else { return data }
        let key = maskKey.bigEndian  // the four bytes in wire order, in memory
        data.withUnsafeMutableReadableBytes { bytes in
            let count = bytes.count
            let pattern = UInt64(truncatingIfNeeded: key) | UInt64(truncatingIfNeeded: key) << 32
            var offset = 0
            while offset + 8 <= count {
                let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ pattern
                bytes.storeBytes(of: word, toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            while offset < count {
                bytes[offset] ^= UInt8(truncatingIfNeeded: maskKey >> (24 - 8 * (offset % 4)))
                offset += 1
            }
        }
        return data
    }

    // MARK: Writing (server frames: final, unmasked)

    /// The header of a final, unmasked frame of `opcode` carrying `length` bytes.
    package static func writeHeader(_ opcode: WebSocketOpcode, length: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(0x80 | UInt8(webSocketOpcode: opcode))
        if length < 126 {
            buffer.writeInteger(UInt8(length))
        } else if length <= Int(UInt16.max) {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(length))
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(length))
        }
    }

    /// A text frame of `text`, header and payload in one buffer.
    package static func text(_ text: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        let length = text.utf8.count
        var buffer = allocator.buffer(capacity: length + 10)
        writeHeader(.text, length: length, into: &buffer)
        buffer.writeString(text)
        return buffer
    }

    /// A frame of `opcode` carrying `payload` (a control frame: at most 125 bytes).
    package static func frame(_ opcode: WebSocketOpcode, payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var payload = payload
        var buffer = allocator.buffer(capacity: payload.readableBytes + 10)
        writeHeader(opcode, length: payload.readableBytes, into: &buffer)
        buffer.writeBuffer(&payload)
        return buffer
    }
}
