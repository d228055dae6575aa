import NIOCore

/// A minimal HTTP/1.1 response parser for the generator: status, `Content-Length` bodies (or none for
/// 1xx/204/304) and the `ETag` header. The server under test always sends `Content-Length`; a chunked
/// response is reported as an error rather than misparsed.
struct HTTPResponseParser {
    struct Response {
        var status: Int
        var bodyLength: Int
        var etag: String?
        var body: ByteBuffer?
    }

    enum ParseError: Error { case malformed, chunked }

    private var buffer = ByteBuffer()
    private var head: Response?
    private var remaining = 0
    /// Keep the next body's bytes (to check a response once).
    var captureBody = false

    mutating func append(_ data: inout ByteBuffer) {
        if buffer.readableBytes == 0 { buffer.clear() } else if buffer.readerIndex > 65536 { buffer.discardReadBytes() }
        buffer.writeBuffer(&data)
    }

    /// The next complete response, or nil until more bytes arrive.
    mutating func next() throws -> Response? {
        while true {
            if var current = head {
                let take = min(remaining, buffer.readableBytes)
                if captureBody, take > 0, var slice = buffer.readSlice(length: take) {
                    var body = current.body ?? ByteBuffer()
                    body.writeBuffer(&slice)
                    current.body = body
                    head = current
                } else {
                    buffer.moveReaderIndex(forwardBy: take)
                }
                remaining -= take
                guard remaining == 0 else { return nil }
                head = nil
                if current.body != nil { captureBody = false }
                return current
            }
            guard let headLength = Self.headLength(buffer) else { return nil }
            let parsed = try buffer.withUnsafeReadableBytes { try Self.parseHead(UnsafeRawBufferPointer(rebasing: $0[0..<headLength])) }
            buffer.moveReaderIndex(forwardBy: headLength)
            head = parsed
            remaining = parsed.bodyLength
        }
    }

    /// Bytes up to and including the blank line, if it has arrived.
    private static func headLength(_ buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            guard bytes.count >= 4 else { return nil }
            var index = 3
            while index < bytes.count {
                if bytes[index] == 10, bytes[index - 1] == 13, bytes[index - 2] == 10, bytes[index - 3] == 13 { return index + 1 }
                index += 1
            }
            return nil
        }
    }

    private static func parseHead(_ bytes: UnsafeRawBufferPointer) throws -> Response {
        // "HTTP/1.1 200 OK\r\n"
        guard bytes.count > 12, bytes[8] == 32 else { throw ParseError.malformed }
        var status = 0
        for index in 9..<12 {
            let digit = Int(bytes[index]) - 48
            guard (0...9).contains(digit) else { throw ParseError.malformed }
            status = status * 10 + digit
        }
        var response = Response(status: status, bodyLength: 0, etag: nil, body: nil)
        var lineStart = 0
        while lineStart < bytes.count, bytes[lineStart] != 10 { lineStart += 1 }
        lineStart += 1
        var contentLength: Int?
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != 13 { lineEnd += 1 }
            if lineEnd == lineStart { break }
            var colon = lineStart
            while colon < lineEnd, bytes[colon] != 58 { colon += 1 }
            let name = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<colon])
            var valueStart = colon + 1
            while valueStart < lineEnd, bytes[valueStart] == 32 { valueStart += 1 }
            if equalsIgnoringCase(name, "content-length") {
                var length = 0
                for index in valueStart..<lineEnd { length = length * 10 + Int(bytes[index]) - 48 }
                contentLength = length
            } else if equalsIgnoringCase(name, "etag") {
                response.etag = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<lineEnd]), as: UTF8.self)
            } else if equalsIgnoringCase(name, "transfer-encoding") {
                throw ParseError.chunked
            }
            lineStart = lineEnd + 2
        }
        if status == 204 || status == 304 || status < 200 {
            response.bodyLength = 0
        } else {
            guard let contentLength else { throw ParseError.malformed }
            response.bodyLength = contentLength
        }
        return response
    }

    private static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount else { return false }
        let expected = name.utf8Start
        for index in 0..<bytes.count where bytes[index] | 0x20 != expected[index] { return false }
        return true
    }
}
