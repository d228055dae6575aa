import ServerConfig

/// Reads the hops a forwarding header lists, left (the first client) to right (the last proxy): an address per hop,
/// or nil for a hop that names no usable address (`unknown`, an obfuscated RFC 7239 identifier, garbage).
///
/// ```swift
/// ForwardingHeaders.xForwardedFor(["203.0.113.7, 10.0.0.2"])     // [203.0.113.7, 10.0.0.2]
/// ForwardingHeaders.forwarded(["for=\"[2001:db8::1]:4711\";proto=https, for=_hidden"])   // [2001:db8::1, nil]
/// ForwardingHeaders.forwarded(["for=\"unterminated"])            // nil: malformed
/// ```
enum ForwardingHeaders {
    /// The hops of `X-Forwarded-For`, every line of it in order (several lines are one comma-separated list); nil when
    /// an entry is empty (a malformed list).
    static func xForwardedFor(_ lines: [String]) -> [IPAddress?]? {
        var hops: [IPAddress?] = []
        for line in lines {
            for entry in line.split(separator: ",", omittingEmptySubsequences: false) {
                let text = entry.trimmingOptionalWhitespace()
                guard !text.isEmpty else { return nil }
                hops.append(node(text))
            }
        }
        return hops
    }

    /// The `for=` of each element of RFC 7239 `Forwarded`, every line of it in order; nil when the header does not
    /// parse (a bad token or quoted string, a parameter twice in one element).
    static func forwarded(_ lines: [String]) -> [IPAddress?]? {
        var hops: [IPAddress?] = []
        for line in lines {
            guard let elements = elements(Array(line.utf8)) else { return nil }
            for element in elements {
                hops.append(element.map { node(Substring($0)) } ?? nil)
            }
        }
        return hops
    }

    /// A hop's address from its node text: `192.0.2.7`, `192.0.2.7:4711`, `2001:db8::1`, `[2001:db8::1]`,
    /// `[2001:db8::1]:4711`; nil for anything else (`unknown`, `_obfuscated`, garbage).
    static func node(_ text: Substring) -> IPAddress? {
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || isPort(rest.dropFirst()) && rest.first == ":" else { return nil }
            return IPAddress(text[text.index(after: text.startIndex)..<close])
        }
        if let address = IPAddress(text) { return address }
        // IPv4 with a port: exactly one colon.
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, isPort(parts[1]), let address = IPAddress(parts[0]), address.isIPv4 else { return nil }
        return address
    }

    /// A port (0–65535), or an obfuscated one (`_abc`).
    private static func isPort(_ text: Substring) -> Bool {
        guard let first = text.first else { return false }
        if first == "_" { return text.count > 1 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) } }
        guard text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(text) else { return false }
        return port <= 65535
    }

    /// The elements of one `Forwarded` line, each as its `for=` value (nil when it has none); empty list elements
    /// are skipped. Nil when the line does not parse.
    private static func elements(_ bytes: [UInt8]) -> [String?]? {
        var elements: [String?] = []
        var index = 0
        func skipSpaces() { while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 } }
        while index <= bytes.count {
            var forValue: String?
            var names: Set<String> = []
            var pairs = 0
            // One element: pairs separated by ";", ended by "," or the end.
            while true {
                skipSpaces()
                guard index < bytes.count, bytes[index] != UInt8(ascii: ","), bytes[index] != UInt8(ascii: ";") else {
                    if index < bytes.count, bytes[index] == UInt8(ascii: ";") {
                        index += 1
                        continue
                    }
                    break
                }
                let nameStart = index
                while index < bytes.count, isTokenByte(bytes[index]) { index += 1 }
                guard index > nameStart, index < bytes.count, bytes[index] == UInt8(ascii: "=") else { return nil }
                let name = String(decoding: bytes[nameStart..<index], as: UTF8.self).lowercased()
                guard names.insert(name).inserted else { return nil }
                index += 1
                let value: String
                if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                    index += 1
                    var unquoted: [UInt8] = []
                    var closed = false
                    while index < bytes.count {
                        let byte = bytes[index]
                        index += 1
                        if byte == UInt8(ascii: "\"") {
                            closed = true
                            break
                        }
                        if byte == UInt8(ascii: "\\") {
                            guard index < bytes.count else { return nil }
                            unquoted.append(bytes[index])
                            index += 1
                        } else {
                            unquoted.append(byte)
                        }
                    }
                    guard closed else { return nil }
                    value = String(decoding: unquoted, as: UTF8.self)
                } else {
                    let valueStart = index
                    while index < bytes.count, isTokenByte(bytes[index]) { index += 1 }
                    guard index > valueStart else { return nil }
                    value = String(decoding: bytes[valueStart..<index], as: UTF8.self)
                }
                pairs += 1
                if name == "for" { forValue = value }
                skipSpaces()
                guard index == bytes.count || bytes[index] == UInt8(ascii: ";") || bytes[index] == UInt8(ascii: ",") else { return nil }
            }
            if pairs > 0 { elements.append(forValue) }
            guard index < bytes.count else { break }
            index += 1  // the ","
        }
        return elements
    }

    /// RFC 7230 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
