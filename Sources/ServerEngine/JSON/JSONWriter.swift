import DocumentStore
import NIOCore

/// Writes a `Value` as JSON the way `JSON.stringify` would: integral doubles without `.0`, non-finite
/// numbers as `null`, dates as ISO-8601 strings with milliseconds, object ids as hex strings.
///
/// Writes UTF-8 bytes straight into a `ByteBuffer`, copying each string's runs of bytes that need no escape in
/// one go (a `GET /peers` listing of 1000 devices is about 200 KB, so this is the discovery path's hot loop).
///
/// ```swift
/// JSONWriter.string(["success": true])  // {"success":true}
/// ```
public enum JSONWriter {
    /// The JSON text of `value`.
    public static func string(_ value: Value) -> String {
        String(buffer: buffer(value))
    }

    /// The JSON bytes of `value`.
    public static func bytes(_ value: Value) -> [UInt8] { Array(buffer(value).readableBytesView) }

    /// The JSON bytes of `value` in a new buffer.
    public static func buffer(_ value: Value) -> ByteBuffer {
        var buffer = ByteBuffer()
        write(value, into: &buffer)
        return buffer
    }

    /// Appends the JSON bytes of `value` to `buffer`.
    public static func write(_ value: Value, into buffer: inout ByteBuffer) {
        switch value {
        case .null: buffer.writeStaticString("null")
        case .bool(let flag): buffer.writeStaticString(flag ? "true" : "false")
        case .int(let integer): writeInteger(integer, into: &buffer)
        case .double(let double): buffer.writeString(format(double))
        case .string(let text): writeQuoted(text, into: &buffer)
        case .date(let timestamp): writeDate(timestamp, into: &buffer)  // ISO-8601 with milliseconds
        case .objectId(let id): writeQuoted(id.hex, into: &buffer)
        case .array(let elements):
            buffer.writeInteger(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { buffer.writeInteger(UInt8(ascii: ",")) }
                first = false
                write(element, into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        case .document(let document):
            buffer.writeInteger(UInt8(ascii: "{"))
            var first = true
            for (key, element) in document {
                if !first { buffer.writeInteger(UInt8(ascii: ",")) }
                first = false
                writeQuoted(key, into: &buffer)
                buffer.writeInteger(UInt8(ascii: ":"))
                write(element, into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "}"))
        }
    }

    /// A double as JavaScript prints it for the common cases: integral values without a fraction.
    static func format(_ double: Double) -> String {
        guard double.isFinite else { return "null" }
        if double == double.rounded(), abs(double) < 1e15 { return String(Int64(double)) }
        return "\(double)"
    }

    /// `"2024-01-20T12:00:00.000Z"`, as `Timestamp.description` renders it, written digit by digit (years 0–9999;
    /// others through `description`).
    static func writeDate(_ timestamp: Timestamp, into buffer: inout ByteBuffer) {
        let time = timestamp.utcComponents
        let year = time.year
        guard (0...9999).contains(year) else {
            writeQuoted(timestamp.description, into: &buffer)
            return
        }
        var text:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (34, 0, 0, 0, 0, 45, 0, 0, 45, 0, 0, 84, 0, 0, 58, 0, 0, 58, 0, 0, 46, 0, 0, 0, 90, 34)
        withUnsafeMutableBytes(of: &text) { bytes in
            func put(_ value: Int64, at offset: Int, width: Int) {
                var value = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    bytes[index] = UInt8(48 + value % 10)
                    value /= 10
                }
            }
            put(year, at: 1, width: 4)
            put(time.month, at: 6, width: 2)
            put(time.day, at: 9, width: 2)
            put(time.hour, at: 12, width: 2)
            put(time.minute, at: 15, width: 2)
            put(time.second, at: 18, width: 2)
            put(time.millisecond, at: 21, width: 3)
            _ = buffer.writeBytes(UnsafeRawBufferPointer(bytes))
        }
    }

    private static func writeInteger(_ integer: Int64, into buffer: inout ByteBuffer) {
        if integer >= 0, integer < 10 {
            buffer.writeInteger(UInt8(48 + integer))
        } else {
            buffer.writeString(String(integer))
        }
    }

    /// `text` as a JSON string literal, escaped exactly as `Value.writeQuoted`: `"`, `\\`, `\n`, `\r`, `\t`, and
    /// other control characters as `\u00XX`; everything else (UTF-8 included) as is.
    static func writeQuoted(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        let done = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            writeEscaped(UnsafeRawBufferPointer(bytes), into: &buffer)
            return true
        }
        if done == nil {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBytes { writeEscaped($0, into: &buffer) }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 48 + nibble : 87 + nibble }

    private static func writeEscaped(_ bytes: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        var runStart = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if runStart < index { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<index])) }
            runStart = index + 1
            switch byte {
            case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            default:
                buffer.writeStaticString("\\u00")
                buffer.writeInteger(hexDigit(byte >> 4))
                buffer.writeInteger(hexDigit(byte & 0xF))
            }
        }
        if runStart < bytes.count { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
    }
}
