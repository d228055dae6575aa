/// Parses durations written the way operators write them: `500ms`, `30s`, `5m`, `1h`, `1d`, `1h30m`.
///
/// Numbers may be fractional (`0.05m` is 3 seconds), so tests can run a whole lifecycle in seconds
/// with `DEVICE_TTL_MINUTES=0.05`. A number needs a unit: `${RATE_LIMIT_WINDOW_MS:-60000}ms` keeps
/// the spec's millisecond variables in milliseconds.
///
/// ```swift
/// try DurationParser.parse("1h30m")  // .seconds(5400)
/// try DurationParser.parse("5 minutes")  // throws: what went wrong and the accepted forms
/// ```
package enum DurationParser {
    /// The accepted units, longest first so that `ms` wins over `m`.
    static let units: [(suffix: String, nanoseconds: Double)] = [
        ("ms", 1e6), ("us", 1e3), ("ns", 1), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86400e9),
    ]

    /// A duration that could not be parsed; `message` says why and shows valid forms.
    package struct Failure: Error, Sendable, Equatable {
        /// A sentence for the operator.
        package var message: String
    }

    /// Parses `text` into a non-negative duration.
    package static func parse(_ text: String) throws(Failure) -> Duration {
        let trimmed = text.trimmingWhitespace()
        let hint = "write a number and a unit, such as 500ms, 30s, 5m, 1h, 1d or 1h30m"
        guard !trimmed.isEmpty else { throw Failure(message: "empty duration; \(hint)") }
        var rest = Substring(trimmed)
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else {
                throw Failure(message: "invalid duration '\(trimmed)'; \(hint)")
            }
            rest = rest.dropFirst(number.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.suffix) }) else {
                let what = rest.isEmpty ? "has no unit" : "has an unknown unit"
                throw Failure(message: "duration '\(trimmed)' \(what); \(hint)")
            }
            rest = rest.dropFirst(unit.suffix.count)
            total += value * unit.nanoseconds
        }
        guard total.isFinite, total < 1e18 else { throw Failure(message: "duration '\(trimmed)' is too large") }
        return .nanoseconds(Int64(total.rounded()))
    }

    /// Formats a duration compactly for `registry check` (`1h`, `1m30s`, `250ms`, `3s`).
    package static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if milliseconds == 0 { return "0s" }
        if milliseconds % 1000 != 0 { return milliseconds < 1000 ? "\(milliseconds)ms" : "\(Double(milliseconds) / 1000)s" }
        var remaining = milliseconds / 1000
        var text = ""
        for (unit, size) in [("d", Int64(86400)), ("h", 3600), ("m", 60), ("s", 1)] where remaining >= size {
            text += "\(remaining / size)\(unit)"
            remaining %= size
        }
        return text
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }
}
