import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A blocking client connection to a Unix domain socket, for the control socket's short exchanges.
struct UnixSocket {
    /// Why a connection or exchange failed.
    struct Failure: Error, CustomStringConvertible {
        /// True when nothing listens on the path (no file, or a stale file: connection refused).
        var nobodyListens: Bool
        var description: String
    }

    private let descriptor: Int32

    /// Connects to the socket at `path`; `timeout` bounds each read and write.
    init(path: String, timeout: Duration) throws(Failure) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(nobodyListens: false, description: "socket(): \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            Glibc.close(fd)
            throw Failure(nobodyListens: false, description: "socket path longer than \(capacity - 1) bytes: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        var interval = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(fd)
            throw Failure(nobodyListens: code == ENOENT || code == ECONNREFUSED, description: String(cString: strerror(code)))
        }
        descriptor = fd
    }

    /// Whether a server accepts connections on `path` now.
    static func answers(_ path: String) -> Bool {
        guard let socket = try? UnixSocket(path: path, timeout: .seconds(2)) else { return false }
        socket.close()
        return true
    }

    /// Writes all of `data`.
    func write(_ data: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < data.count {
            let written = data[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { throw Failure(nobodyListens: false, description: "write: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    /// Reads until the peer closes the connection.
    func readToEnd() throws(Failure) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return result }
            guard count > 0 else {
                let reason = errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : String(cString: strerror(errno))
                throw Failure(nobodyListens: false, description: "read: \(reason)")
            }
            result += chunk[0..<count]
        }
    }

    /// Closes the connection.
    func close() { Glibc.close(descriptor) }
}
