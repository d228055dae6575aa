import NIOCore
import NIOWebSocket

extension WebSocketFrame {
    /// The frame's payload unmasked eight bytes at a time (NIO's `unmaskedData` goes byte by byte; unmasking every
    /// incoming message is a measurable share of a relay's work).
    var fastUnmaskedData: ByteBuffer {
        var data = self.data
        guard let key = maskKey else { return data }
        data.withUnsafeMutableReadableBytes { bytes in
            let count = bytes.count
            let pattern = withUnsafeBytes(of: (key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3])) {
                $0.loadUnaligned(as: UInt64.self)
            }
            var offset = 0
            while offset + 8 <= count {
                let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ pattern
                bytes.storeBytes(of: word, toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            while offset < count {
                bytes[offset] ^= key[offset % 4]
                offset += 1
            }
        }
        return data
    }
}
