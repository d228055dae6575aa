/// The WebSocket bytes tests write and read by hand (RFC 6455): the upgrade request, masked client frames and
/// parsed server frames.
public enum WebSocketWire {
    /// A frame a server sent.
    public struct Frame: Sendable {
        /// 0x1 text, 0x2 binary, 0x8 close, 0x9 ping, 0xA pong.
        public var opcode: UInt8
        /// The unmasked payload.
        public var payload: [UInt8]

        /// The payload as UTF-8 text.
        public var text: String { String(decoding: payload, as: UTF8.self) }
        /// A close frame's code (1005 when it carries none).
        public var closeCode: Int { payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : 1005 }
        /// A close frame's reason.
        public var closeReason: String { payload.count > 2 ? String(decoding: payload[2...], as: UTF8.self) : "" }
    }

    /// An upgrade request for `path` on 127.0.0.1:`port` with extra `headers` (a fixed key; tests do not check the accept).
    public static func upgradeRequest(path: String, port: Int, headers: [String: String] = [:]) -> String {
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        return request + "\r\n"
    }

    /// A client frame (clients must mask) with `opcode` and `payload`.
    public static func maskedFrame(opcode: UInt8 = 0x1, _ payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            frame += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        return frame
    }

    /// A masked text frame.
    public static func maskedText(_ text: String) -> [UInt8] { maskedFrame(opcode: 0x1, Array(text.utf8)) }
}
