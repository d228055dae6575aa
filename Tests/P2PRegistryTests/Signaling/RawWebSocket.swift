import Foundation
import NetworkTestSupport

/// A WebSocket handshake over a raw TCP socket that returns the first close frame the server sends.
///
/// For sockets the server closes right after the upgrade (1008 on a bad token): the WebSocket client
/// library sometimes misses a close frame that arrives in the same read as the 101 response, while
/// browsers and other clients get it (checked with Python's `websockets`: 40 of 40). Reading the bytes
/// directly asserts what the server sends.
enum RawWebSocket {
    struct Close: Equatable {
        var code: Int
        var reason: String
    }

    /// Upgrades `path` on 127.0.0.1:`port` with `headers`, then reads frames until a close frame (waiting at most
    /// 15 s for each read: the whole suite in parallel on two shared cores can hold an upgrade's decision for seconds).
    static func firstClose(port: Int, path: String, headers: [String: String] = [:]) async throws -> Close {
        try await BlockingIO.run {
            let socket = try LoopbackSocket.connect(port: port, receiveTimeout: 15)
            try socket.write(WebSocketWire.upgradeRequest(path: path, port: port, headers: headers))
            let head = try socket.readHead()
            guard head.hasPrefix("HTTP/1.1 101") else { throw TestFailure("upgrade refused: \(head)") }
            // Skip anything before the close frame.
            while let frame = socket.readFrame() {
                if frame.opcode == 0x8 { return Close(code: frame.closeCode, reason: frame.closeReason) }
            }
            throw TestFailure("the connection ended without a close frame")
        }
    }
}
