import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A raw TCP client for tests that must control the bytes on the wire (partial bodies, lying headers).
enum RawHTTP {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Connects to 127.0.0.1:port, writes `request`, and reads until a complete response head and its
    /// declared body arrived, the peer closes, or `timeout` passes.
    static func exchange(port: Int, request: String, timeout: Duration) async throws -> String {
        try await BlockingIO.run {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure(description: "socket() failed") }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw Failure(description: "connect() failed") }
            let seconds = timeout.components.seconds
            var limit = timeval(tv_sec: Int(seconds), tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            let bytes = Array(request.utf8)
            guard write(fd, bytes, bytes.count) == bytes.count else { throw Failure(description: "write() failed") }
            var received = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count <= 0 { break }
                received += buffer[0..<count]
                if isComplete(received) { break }
            }
            return String(decoding: received, as: UTF8.self)
        }
    }

    private static func isComplete(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<headEnd.lowerBound].lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
            let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        else { return true }
        return text.utf8.count - text[..<headEnd.upperBound].utf8.count >= length
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
