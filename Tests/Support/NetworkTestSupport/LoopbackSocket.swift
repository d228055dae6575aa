import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP connection to 127.0.0.1, for tests that must control the bytes on the wire (partial bodies,
/// lying headers, WebSocket clients that stop reading). Use it from ``BlockingIO`` threads only, one
/// operation at a time.
///
/// ```swift
/// let socket = try LoopbackSocket.connect(port: port)
/// try socket.write(WebSocketWire.upgradeRequest(path: "/signaling/peer_a", port: port))
/// let head = try socket.readHead()
/// let frame = try socket.readFrame()
/// ```
public final class LoopbackSocket: @unchecked Sendable {
    /// A failed socket call or an unexpected end of the connection.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    private let fd: Int32
    /// Bytes read and not consumed yet.
    public private(set) var pending: [UInt8] = []

    private init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    /// Connects to 127.0.0.1:`port`; reads time out after `receiveTimeout` seconds. `receiveBuffer` shrinks the
    /// kernel's receive buffer (a client that stops reading then pushes back at once).
    public static func connect(port: Int, receiveTimeout: Int = 10, receiveBuffer: Int32? = nil) throws -> LoopbackSocket {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket() failed") }
        let socket = LoopbackSocket(fd: fd)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure("connect() to 127.0.0.1:\(port) failed") }
        socket.setReceiveTimeout(seconds: receiveTimeout)
        return socket
    }

    /// Reads block at most this long.
    public func setReceiveTimeout(seconds: Int) {
        var limit = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes every byte.
    public func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw Failure("write() failed") }
            sent += written
        }
    }

    /// Writes a string's UTF-8 bytes.
    public func write(_ text: String) throws { try write(Array(text.utf8)) }

    /// One `read` into ``pending``; false when the connection ended or the read timed out.
    @discardableResult
    public func readSome() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let received = read(fd, &chunk, chunk.count)
        guard received > 0 else { return false }
        pending += chunk[0..<received]
        return true
    }

    /// Reads until ``pending`` holds `count` bytes; false when the connection ends or a read times out first.
    public func fill(_ count: Int) -> Bool {
        while pending.count < count {
            guard readSome() else { return false }
        }
        return true
    }

    /// Removes and returns the first `count` pending bytes.
    public func take(_ count: Int) -> [UInt8] {
        let taken = Array(pending.prefix(count))
        pending.removeFirst(taken.count)
        return taken
    }

    /// Reads an HTTP response head through its blank line, byte by byte so that nothing after it is consumed.
    public func readHead() throws -> String {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !(head.count >= 4 && head.suffix(4) == [13, 10, 13, 10]) {
            guard read(fd, &byte, 1) == 1 else { throw Failure("the connection ended before a response head") }
            head.append(byte)
        }
        return String(decoding: head, as: UTF8.self)
    }

    /// The next frame a server sent (server frames are not masked); nil when the connection ends or times out first.
    public func readFrame() -> WebSocketWire.Frame? {
        guard fill(2) else { return nil }
        let opcode = pending[0] & 0x0F
        var length = Int(pending[1] & 0x7F)
        var offset = 2
        if length == 126 {
            guard fill(4) else { return nil }
            length = Int(pending[2]) << 8 | Int(pending[3])
            offset = 4
        } else if length == 127 {
            guard fill(10) else { return nil }
            length = (2..<10).reduce(0) { $0 << 8 | Int(pending[$1]) }
            offset = 10
        }
        guard fill(offset + length) else { return nil }
        let frame = take(offset + length)
        return WebSocketWire.Frame(opcode: opcode, payload: Array(frame[offset...]))
    }

    /// Shuts the connection down in both directions (no close handshake), as a client that vanishes.
    public func shutdownBoth() { shutdown(fd, Int32(SHUT_RDWR)) }
}
