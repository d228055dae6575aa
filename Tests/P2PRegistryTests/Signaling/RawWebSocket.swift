import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

    /// Upgrades `path` on 127.0.0.1:`port` with `headers`, then reads frames until a close frame (5 s at most).
    static func firstClose(port: Int, path: String, headers: [String: String] = [:]) async throws -> Close {
        try await BlockingIO.run {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket() failed") }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw TestFailure("connect() failed") }
            var limit = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            for (name, value) in headers { request += "\(name): \(value)\r\n" }
            request += "\r\n"
            let bytes = Array(request.utf8)
            guard write(fd, bytes, bytes.count) == bytes.count else { throw TestFailure("write() failed") }

            var buffer: [UInt8] = []
            func fill(_ count: Int) throws {
                var chunk = [UInt8](repeating: 0, count: 4096)
                while buffer.count < count {
                    let read = Glibc.read(fd, &chunk, chunk.count)
                    guard read > 0 else { throw TestFailure("connection ended before \(count) bytes (have \(buffer.count))") }
                    buffer += chunk[0..<read]
                }
            }
            // The response head.
            while true {
                if let end = String(decoding: buffer, as: UTF8.self).range(of: "\r\n\r\n") {
                    let head = String(decoding: buffer, as: UTF8.self)[..<end.lowerBound]
                    guard head.hasPrefix("HTTP/1.1 101") else { throw TestFailure("upgrade refused: \(head)") }
                    buffer.removeFirst(String(decoding: buffer, as: UTF8.self)[..<end.upperBound].utf8.count)
                    break
                }
                try fill(buffer.count + 1)
            }
            // Frames (server frames are not masked); skip anything before the close frame.
            while true {
                try fill(2)
                let opcode = buffer[0] & 0x0F
                var length = Int(buffer[1] & 0x7F)
                var offset = 2
                if length == 126 {
                    try fill(4)
                    length = Int(buffer[2]) << 8 | Int(buffer[3])
                    offset = 4
                } else if length == 127 {
                    throw TestFailure("unexpectedly large frame")
                }
                try fill(offset + length)
                let payload = Array(buffer[offset..<offset + length])
                buffer.removeFirst(offset + length)
                if opcode == 0x8 {
                    guard payload.count >= 2 else { return Close(code: 1005, reason: "") }
                    return Close(code: Int(payload[0]) << 8 | Int(payload[1]), reason: String(decoding: payload[2...], as: UTF8.self))
                }
            }
        }
    }
}

/// Runs blocking socket I/O on a thread of its own. Blocking inside a task (even a detached one) would hold
/// one of the cooperative pool's few threads (two on these machines): two such tests at once would stall
/// the very servers they wait for, and every other test in the process with them.
enum BlockingIO {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    continuation.resume(returning: try work())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }
}
