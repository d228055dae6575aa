import NIOCore
import NIOWebSocket
import ServerEngine
import Testing

/// The signaling socket's own frame reader and writer (RFC 6455 5.2), byte by byte: what arrives split or packed,
/// the three length encodings, unmasking, and the header checks that refuse a frame before its payload arrives.
@Suite struct WebSocketWireFrameTests {
    /// A client frame: masked with `key` unless it is nil.
    static func clientFrame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, key: [UInt8]? = [0x37, 0xfa, 0x21, 0x3d]) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let mask: UInt8 = key == nil ? 0 : 0x80
        if payload.count < 126 {
            bytes.append(mask | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            bytes += [mask | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            bytes.append(mask | 127)
            bytes += (0..<8).reversed().map { UInt8(truncatingIfNeeded: payload.count >> ($0 * 8)) }
        }
        guard let key else { return bytes + payload }
        return bytes + key + payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
    }

    @Test(arguments: [0, 5, 125, 126, 300, 65535, 65536, 70_000])
    func aFrameIsReadOnlyOnceWholeAndUnmasked(size: Int) throws {
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let bytes = Self.clientFrame(0x1, payload)
        var buffer = ByteBuffer()
        for byte in bytes.dropLast() {
            buffer.writeInteger(byte)
            #expect(try WebSocketWireFrame.read(from: &buffer, maxPayload: 1 << 20) == nil)
        }
        #expect(buffer.readableBytes == bytes.count - 1, "nothing is consumed while the frame is incomplete")
        buffer.writeInteger(bytes.last!)
        let frame = try #require(try WebSocketWireFrame.read(from: &buffer, maxPayload: 1 << 20))
        #expect(frame.fin && frame.opcode == .text && !frame.hasReservedBits)
        #expect(Array(frame.unmaskedData.readableBytesView) == payload)
        #expect(buffer.readableBytes == 0)
    }

    @Test func framesPackedTogetherAreReadOneByOne() throws {
        var buffer = ByteBuffer(
            bytes: Self.clientFrame(0x1, Array("one".utf8), fin: false) + Self.clientFrame(0x9, [1, 2])
                + Self.clientFrame(0x0, Array("two".utf8), key: nil)
        )
        let first = try #require(try WebSocketWireFrame.read(from: &buffer, maxPayload: 100))
        let second = try #require(try WebSocketWireFrame.read(from: &buffer, maxPayload: 100))
        let third = try #require(try WebSocketWireFrame.read(from: &buffer, maxPayload: 100))
        #expect(!first.fin && first.opcode == .text && String(buffer: first.unmaskedData) == "one")
        #expect(second.opcode == .ping && Array(second.unmaskedData.readableBytesView) == [1, 2])
        #expect(third.opcode == .continuation && third.maskKey == nil && String(buffer: third.unmaskedData) == "two")
        #expect(try WebSocketWireFrame.read(from: &buffer, maxPayload: 100) == nil)
    }

    @Test func anOversizedFrameIsRefusedFromItsHeaderAlone() {
        // 16-bit and 64-bit lengths over the limit, with no payload byte sent, and a 64-bit length past Int.max.
        for header in [[0x81, 0xFE, 0x01, 0x00], [0x81, 0xFF, 0, 0, 0, 0, 0, 0x10, 0, 0], [0x81, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0]] as [[UInt8]] {
            var buffer = ByteBuffer(bytes: header)
            #expect(throws: WebSocketWireFrame.Refusal.tooLarge) { try WebSocketWireFrame.read(from: &buffer, maxPayload: 255) }
        }
    }

    @Test func aFragmentedOrLongControlFrameIsRefused() {
        var fragmentedPing = ByteBuffer(bytes: Self.clientFrame(0x9, [], fin: false))
        #expect(throws: WebSocketWireFrame.Refusal.malformedControlFrame) { try WebSocketWireFrame.read(from: &fragmentedPing, maxPayload: 1000) }
        var longClose = ByteBuffer(bytes: Self.clientFrame(0x8, Array(repeating: 0x41, count: 126)))
        #expect(throws: WebSocketWireFrame.Refusal.malformedControlFrame) { try WebSocketWireFrame.read(from: &longClose, maxPayload: 1000) }
    }

    @Test(arguments: [0, 125, 126, 65535, 65536])
    func aServerFrameIsFinalUnmaskedAndReadsBack(size: Int) throws {
        let text = String(repeating: "é", count: size / 2) + String(repeating: "a", count: size % 2)
        var buffer = WebSocketWireFrame.text(text, allocator: ByteBufferAllocator())
        let frame = try #require(try WebSocketWireFrame.read(from: &buffer, maxPayload: 1 << 20))
        #expect(frame.fin && frame.opcode == .text && frame.maskKey == nil)
        #expect(String(buffer: frame.unmaskedData) == text)
        var payload = ByteBuffer(bytes: [0x03, 0xE8])
        var close = WebSocketWireFrame.frame(.connectionClose, payload: payload, allocator: ByteBufferAllocator())
        let read = try #require(try WebSocketWireFrame.read(from: &close, maxPayload: 125))
        #expect(read.opcode == .connectionClose && read.unmaskedData == payload.readSlice(length: 2)!)
    }
}

/// A WebSocket route's path parameters, kept without a dictionary per socket.
@Suite struct PathParametersTests {
    @Test func valuesAreFoundByNameAndTheFirstOfARepeatedNameWins() {
        let one = PathParameters(names: ["deviceId"], values: ["peer_a"])
        #expect(one["deviceId"] == "peer_a" && one["other"] == nil && one.dictionary == ["deviceId": "peer_a"])
        let three = PathParameters(names: ["network", "deviceId", "network"], values: ["n1", "peer_b", "n2"])
        #expect(three["network"] == "n1" && three["deviceId"] == "peer_b")
        #expect(three.dictionary == ["network": "n1", "deviceId": "peer_b"])
        #expect(PathParameters(names: [], values: []).dictionary.isEmpty)
    }
}
