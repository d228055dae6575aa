extension Value: CustomStringConvertible {
    /// A relaxed extended-JSON rendering, e.g. `{"a": 1, "at": {"$date": "2024-01-20T12:00:00.000Z"}}`.
    public var description: String {
        var output = ""
        write(to: &output)
        return output
    }

    func write(to output: inout String) {
        switch self {
        case .null:
            output += "null"
        case .bool(let value):
            output += value ? "true" : "false"
        case .int(let value):
            output += String(value)
        case .double(let value):
            if value.isNaN || value.isInfinite {
                output += "{\"$numberDouble\": \"\(value)\"}"
            } else if value == value.rounded(), abs(value) < 1e15 {
                output += String(value)  // keeps the ".0" that marks a double
            } else {
                output += "\(value)"
            }
        case .string(let value):
            Self.writeQuoted(value, to: &output)
        case .date(let value):
            output += "{\"$date\": \"\(value)\"}"
        case .objectId(let value):
            output += "{\"$oid\": \"\(value.hex)\"}"
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += ", " }
                element.write(to: &output)
            }
            output += "]"
        case .document(let document):
            document.write(to: &output)
        }
    }

    /// Appends `string` as a JSON string literal: quoted, with `"`, `\\` and control characters escaped.
    public static func writeQuoted(_ string: String, to output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

extension Document: CustomStringConvertible {
    /// A relaxed extended-JSON rendering, e.g. `{"_id": 1, "tags": ["a", "b"]}`.
    public var description: String {
        var output = ""
        write(to: &output)
        return output
    }

    func write(to output: inout String) {
        output += "{"
        for (index, field) in fields.enumerated() {
            if index > 0 { output += ", " }
            Value.writeQuoted(field.key, to: &output)
            output += ": "
            field.value.write(to: &output)
        }
        output += "}"
    }
}
