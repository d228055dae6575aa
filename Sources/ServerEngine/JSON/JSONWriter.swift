import DocumentStore

/// Writes a `Value` as JSON the way `JSON.stringify` would: integral doubles without `.0`, non-finite
/// numbers as `null`, dates as ISO-8601 strings with milliseconds, object ids as hex strings.
///
/// ```swift
/// JSONWriter.string(["success": true])  // {"success":true}
/// ```
public enum JSONWriter {
    /// The JSON text of `value`.
    public static func string(_ value: Value) -> String {
        var output = ""
        write(value, to: &output)
        return output
    }

    /// The JSON bytes of `value`.
    public static func bytes(_ value: Value) -> [UInt8] { Array(string(value).utf8) }

    /// Appends the JSON text of `value` to `output`.
    public static func write(_ value: Value, to output: inout String) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .int(let integer): output += String(integer)
        case .double(let double): output += format(double)
        case .string(let text): writeString(text, to: &output)
        case .date(let timestamp): writeString(timestamp.description, to: &output)  // ISO-8601 with milliseconds
        case .objectId(let id): writeString(id.hex, to: &output)
        case .array(let elements):
            output += "["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output += "," }
                write(element, to: &output)
            }
            output += "]"
        case .document(let document):
            output += "{"
            var first = true
            for (key, element) in document {
                if !first { output += "," }
                first = false
                writeString(key, to: &output)
                output += ":"
                write(element, to: &output)
            }
            output += "}"
        }
    }

    /// A double as JavaScript prints it for the common cases: integral values without a fraction.
    static func format(_ double: Double) -> String {
        guard double.isFinite else { return "null" }
        if double == double.rounded(), abs(double) < 1e15 { return String(Int64(double)) }
        return "\(double)"
    }

    static func writeString(_ text: String, to output: inout String) {
        Value.writeQuoted(text, to: &output)
    }
}
