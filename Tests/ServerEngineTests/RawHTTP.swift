import Foundation
import NetworkTestSupport

/// A raw TCP client for tests that must control the bytes on the wire (partial bodies, lying headers).
enum RawHTTP {
    /// Connects to 127.0.0.1:port, writes `request`, and reads until a complete response head and its
    /// declared body arrived, the peer closes, or `timeout` passes.
    static func exchange(port: Int, request: String, timeout: Duration) async throws -> String {
        try await BlockingIO.run {
            let socket = try LoopbackSocket.connect(port: port, receiveTimeout: max(1, Int(timeout.components.seconds)))
            try socket.write(request)
            while !isComplete(socket.pending), socket.readSome() {}
            return String(decoding: socket.pending, as: UTF8.self)
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
