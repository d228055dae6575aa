import Foundation
import NetworkTestSupport

/// A WebSocket client that stops reading: the handshake over a raw TCP socket with a small receive buffer, then
/// nothing is read until ``readUntilClose(timeout:)``, so the server sees a receiver that does not keep up.
/// Blocking I/O runs on threads of its own (``BlockingIO``).
final class IdleWebSocket: Sendable {
    struct Outcome: Sendable {
        /// The text frames received, in order.
        var texts: [String]
        /// The close frame's code (1006 if the connection ended without one; nil if reading stopped with it open).
        var closeCode: Int?
    }

    private let socket: LoopbackSocket

    private init(socket: LoopbackSocket) { self.socket = socket }

    /// Connects to 127.0.0.1:`port` and upgrades `path` with `headers`.
    static func open(port: Int, path: String, headers: [String: String], receiveBuffer: Int32 = 8192) async throws -> IdleWebSocket {
        try await BlockingIO.run {
            let socket = try LoopbackSocket.connect(port: port, receiveBuffer: receiveBuffer)
            try socket.write(WebSocketWire.upgradeRequest(path: path, port: port, headers: headers))
            // The head is read byte by byte, so no frame after it is consumed.
            guard try socket.readHead().hasPrefix("HTTP/1.1 101") else { throw TestFailure("upgrade refused") }
            return IdleWebSocket(socket: socket)
        }
    }

    /// Sends a text frame (masked, as a client must) without reading anything.
    func send(_ text: String) async throws {
        let socket = socket
        try await BlockingIO.run { try socket.write(WebSocketWire.maskedFrame(opcode: 0x1, Array(text.utf8))) }
    }

    /// Reads every frame until the server's close frame (answering it) or the end of the connection (a read that
    /// waits `timeout` seconds ends it too); `pause` microseconds after each frame make a reader that keeps up slowly.
    /// Reads frames (pausing `pause` µs after each) until a close frame, `timeout` quiet seconds, or, when
    /// `stopAfter` is given, that many text frames.
    func readUntilClose(timeout: Int = 30, pause: UInt32 = 0, stopAfter: Int? = nil) async throws -> Outcome {
        let socket = socket
        return try await BlockingIO.run {
            socket.setReceiveTimeout(seconds: timeout)
            var texts: [String] = []
            while let frame = socket.readFrame() {
                if pause > 0 { usleep(pause) }
                switch frame.opcode {
                case 0x1:
                    texts.append(frame.text)
                    if let stopAfter, texts.count >= stopAfter { return Outcome(texts: texts, closeCode: nil) }
                case 0x8:
                    // Answer the close with its code, as a client must (masked).
                    try? socket.write(WebSocketWire.maskedFrame(opcode: 0x8, Array(frame.payload.prefix(2))))
                    return Outcome(texts: texts, closeCode: frame.closeCode)
                default:
                    continue
                }
            }
            return Outcome(texts: texts, closeCode: 1006)
        }
    }
}
