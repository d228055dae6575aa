import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A WebSocket client that stops reading: the handshake over a raw TCP socket with a small receive buffer, then
/// nothing is read until ``readUntilClose(timeout:)``, so the server sees a receiver that does not keep up.
/// Blocking I/O runs on threads of its own (``BlockingIO``).
final class IdleWebSocket: Sendable {
    struct Outcome: Sendable {
        /// The text frames received, in order.
        var texts: [String]
        /// The close frame's code (1006 if the connection ended without one).
        var closeCode: Int
    }

    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// Connects to 127.0.0.1:`port` and upgrades `path` with `headers`.
    static func open(port: Int, path: String, headers: [String: String], receiveBuffer: Int32 = 8192) async throws -> IdleWebSocket {
        try await BlockingIO.run {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket() failed") }
            var size = receiveBuffer
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                close(fd)
                throw TestFailure("connect() failed")
            }
            var limit = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            for (name, value) in headers { request += "\(name): \(value)\r\n" }
            request += "\r\n"
            let bytes = Array(request.utf8)
            guard write(fd, bytes, bytes.count) == bytes.count else { throw TestFailure("write() failed") }
            // Read the response head byte by byte, so no frame after it is consumed.
            var head: [UInt8] = []
            var byte: UInt8 = 0
            while !(head.count >= 4 && head.suffix(4) == [13, 10, 13, 10]) {
                guard read(fd, &byte, 1) == 1 else { throw TestFailure("no upgrade response") }
                head.append(byte)
            }
            guard String(decoding: head, as: UTF8.self).hasPrefix("HTTP/1.1 101") else { throw TestFailure("upgrade refused") }
            return IdleWebSocket(fd: fd)
        }
    }

    /// Reads every frame until the server's close frame (answering it) or the end of the connection.
    func readUntilClose(timeout: Int = 30) async throws -> Outcome {
        let fd = fd
        return try await BlockingIO.run {
            var limit = timeval(tv_sec: timeout, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            var buffer: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            func fill(_ count: Int) -> Bool {
                while buffer.count < count {
                    let got = read(fd, &chunk, chunk.count)
                    guard got > 0 else { return false }
                    buffer += chunk[0..<got]
                }
                return true
            }
            var texts: [String] = []
            while true {
                guard fill(2) else { return Outcome(texts: texts, closeCode: 1006) }
                let opcode = buffer[0] & 0x0F
                var length = Int(buffer[1] & 0x7F)
                var offset = 2
                if length == 126 {
                    guard fill(4) else { return Outcome(texts: texts, closeCode: 1006) }
                    length = Int(buffer[2]) << 8 | Int(buffer[3])
                    offset = 4
                } else if length == 127 {
                    guard fill(10) else { return Outcome(texts: texts, closeCode: 1006) }
                    length = (2..<10).reduce(0) { $0 << 8 | Int(buffer[$1]) }
                    offset = 10
                }
                guard fill(offset + length) else { return Outcome(texts: texts, closeCode: 1006) }
                let payload = Array(buffer[offset..<offset + length])
                buffer.removeFirst(offset + length)
                switch opcode {
                case 0x1:
                    texts.append(String(decoding: payload, as: UTF8.self))
                case 0x8:
                    let code = payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : 1005
                    // Answer the close (masked with a zero key, as a client must mask).
                    let reply: [UInt8] = [0x88, 0x80 | UInt8(min(payload.count, 2)), 0, 0, 0, 0] + payload.prefix(2)
                    _ = write(fd, reply, reply.count)
                    return Outcome(texts: texts, closeCode: code)
                default:
                    continue
                }
            }
        }
    }

    deinit { close(fd) }
}
