import DocumentStore
import Foundation
import NetworkTestSupport

/// A signaling client over a plain TCP socket, for process tests: upgrade with a bearer token, send masked text
/// frames, read text frames. Its blocking reads and writes run on threads of their own (``BlockingIO``), one
/// operation at a time.
final class RawSignalingSocket: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let socket: LoopbackSocket

    private init(socket: LoopbackSocket) { self.socket = socket }

    /// Connects to 127.0.0.1:`port` and upgrades `path` with a bearer token.
    static func connect(port: Int, path: String, token: String) async throws -> RawSignalingSocket {
        try await BlockingIO.run {
            let socket = try LoopbackSocket.connect(port: port)
            try socket.write(WebSocketWire.upgradeRequest(path: path, port: port, headers: ["Authorization": "Bearer \(token)"]))
            let head = try socket.readHead()
            guard head.hasPrefix("HTTP/1.1 101") else { throw Failure(description: "upgrade refused: \(head)") }
            return RawSignalingSocket(socket: socket)
        }
    }

    /// Closes the TCP connection without a close handshake (as a client that vanishes does).
    func disconnect() { socket.shutdownBoth() }

    /// Sends one masked text frame.
    func send(_ text: String) async throws {
        try await sendAll([text])
    }

    /// Sends masked text frames, in order, from one thread.
    func sendAll(_ texts: [String]) async throws {
        let socket = socket
        try await BlockingIO.run {
            for text in texts { try socket.write(WebSocketWire.maskedText(text)) }
        }
    }

    /// Sends `count` offers to `peer`, each carrying `{"n": i, "t": <send time, µs since the epoch>}`, one every
    /// `interval` (zero: as fast as the socket takes them). For latency measurements.
    func sendTimestamped(_ count: Int, to peer: String, interval: Duration = .zero) async throws {
        let socket = socket
        try await BlockingIO.run {
            let pause = UInt32(interval.seconds * 1_000_000)
            for n in 0..<count {
                let micros = Int64(Date().timeIntervalSince1970 * 1_000_000)
                try socket.write(WebSocketWire.maskedText(#"{"type":"offer","toPeerId":"\#(peer)","data":{"n":\#(n),"t":\#(micros)}}"#))
                if pause > 0 { usleep(pause) }
            }
        }
    }

    /// Receives `count` frames sent by ``sendTimestamped(_:to:interval:)`` and returns each one's latency in µs,
    /// taken when it was read, in arrival order.
    func receiveLatencies(_ count: Int) async throws -> [Int64] {
        try await BlockingIO.run {
            try (0..<count).map { _ in
                let text = try self.readText()
                let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
                guard let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
                    let data = json["data"] as? [String: Any], let sent = (data["t"] as? NSNumber)?.int64Value
                else { throw Failure(description: "not a timestamped frame: \(text)") }
                return now - sent
            }
        }
    }

    /// The next `count` text frames (at most 10 s of silence between two).
    func receiveTexts(_ count: Int) async throws -> [String] {
        try await BlockingIO.run { try (0..<count).map { _ in try self.readText() } }
    }

    /// The next text frame (pings and other control frames are skipped); fails on a close frame or after 10 s.
    func receiveText() async throws -> String {
        try await BlockingIO.run { try self.readText() }
    }

    private func readText() throws -> String {
        while let frame = socket.readFrame() {
            switch frame.opcode {
            case 0x1: return frame.text
            case 0x8: throw Failure(description: "closed by the server with \(frame.closeCode) \(frame.closeReason)")
            default: continue
            }
        }
        throw Failure(description: "the connection ended or timed out")
    }
}
