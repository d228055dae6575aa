import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A client WebSocket over a plain TCP socket, for process tests: upgrade, send masked text frames, read
/// text frames. Its blocking reads and writes run on a thread of their own, never on the concurrency pool.
final class RawSignalingSocket: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let fd: Int32
    private var pending: [UInt8] = []  // only touched on the I/O threads, one operation at a time

    private init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    /// Connects to 127.0.0.1:`port` and upgrades `path` with a bearer token.
    static func connect(port: Int, path: String, token: String) async throws -> RawSignalingSocket {
        try await onThread {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure(description: "socket() failed") }
            let socket = RawSignalingSocket(fd: fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw Failure(description: "connect() failed") }
            var limit = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer \(token)\r\n\r\n"
            try socket.writeAll(Array(request.utf8))
            while true {
                if let end = socket.pending.firstRange(of: Array("\r\n\r\n".utf8)) {
                    let head = String(decoding: socket.pending[..<end.lowerBound], as: UTF8.self)
                    guard head.hasPrefix("HTTP/1.1 101") else { throw Failure(description: "upgrade refused: \(head)") }
                    socket.pending.removeFirst(end.upperBound)
                    return socket
                }
                try socket.fill(socket.pending.count + 1)
            }
        }
    }

    /// Closes the TCP connection without a close handshake (as a client that vanishes does).
    func disconnect() { shutdown(fd, Int32(SHUT_RDWR)) }

    /// Sends one masked text frame.
    func send(_ text: String) async throws {
        try await sendAll([text])
    }

    /// Sends masked text frames, in order, from one thread.
    func sendAll(_ texts: [String]) async throws {
        try await Self.onThread {
            for text in texts { try self.writeFrame(text) }
        }
    }

    /// Sends `count` offers to `peer`, each carrying `{"n": i, "t": <send time, µs since the epoch>}`, one every
    /// `interval` (zero: as fast as the socket takes them). For latency measurements.
    func sendTimestamped(_ count: Int, to peer: String, interval: Duration = .zero) async throws {
        try await Self.onThread {
            let pause = UInt32(interval.components.seconds * 1_000_000 + interval.components.attoseconds / 1_000_000_000_000)
            for n in 0..<count {
                let micros = Int64(Date().timeIntervalSince1970 * 1_000_000)
                try self.writeFrame(#"{"type":"offer","toPeerId":"\#(peer)","data":{"n":\#(n),"t":\#(micros)}}"#)
                if pause > 0 { usleep(pause) }
            }
        }
    }

    /// Receives `count` frames sent by ``sendTimestamped(_:to:interval:)`` and returns each one's latency in µs,
    /// taken when it was read, in arrival order.
    func receiveLatencies(_ count: Int) async throws -> [Int64] {
        try await Self.onThread {
            try (0..<count).map { _ in
                let text = try self.readText()
                let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
                guard let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
                    let sent = (json["data"] as? [String: Any])?["t"] as? Int64 ?? ((json["data"] as? [String: Any])?["t"] as? Int).map(Int64.init)
                else { throw Failure(description: "not a timestamped frame: \(text)") }
                return now - sent
            }
        }
    }

    /// The next `count` text frames (at most 10 s of silence between two).
    func receiveTexts(_ count: Int) async throws -> [String] {
        try await Self.onThread { try (0..<count).map { _ in try self.readText() } }
    }

    private func writeFrame(_ text: String) throws {
        let payload = Array(text.utf8)
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
        }
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try writeAll(frame)
    }

    /// The next text frame (pings and other control frames are skipped); fails on a close frame or after 10 s.
    func receiveText() async throws -> String {
        try await Self.onThread { try self.readText() }
    }

    private func readText() throws -> String {
        while true {
            try fill(2)
            let opcode = pending[0] & 0x0f
            var length = Int(pending[1] & 0x7f)
            var offset = 2
            if length == 126 {
                try fill(4)
                length = Int(pending[2]) << 8 | Int(pending[3])
                offset = 4
            } else if length == 127 {
                try fill(10)
                length = pending[2..<10].reduce(0) { $0 << 8 | Int($1) }
                offset = 10
            }
            try fill(offset + length)
            let payload = Array(pending[offset..<(offset + length)])
            pending.removeFirst(offset + length)
            switch opcode {
            case 0x1: return String(decoding: payload, as: UTF8.self)
            case 0x8:
                let code = payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : 0
                throw Failure(description: "closed by the server with \(code) \(String(decoding: payload.dropFirst(2), as: UTF8.self))")
            default: continue
            }
        }
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw Failure(description: "write() failed") }
            sent += written
        }
    }

    private func fill(_ count: Int) throws {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while pending.count < count {
            let received = read(fd, &chunk, chunk.count)
            guard received > 0 else { throw Failure(description: "connection ended or timed out (have \(pending.count) of \(count) bytes)") }
            pending += chunk[0..<received]
        }
    }

    /// Runs blocking `work` on a new thread and returns its result.
    private static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
