/// Parses byte sizes: `512`, `512B`, `64KiB`, `1MiB`, `1GiB`, `64KB` (1000-based), `1MB`.
///
/// ```swift
/// try ByteSizeParser.parse("64KiB")  // 65536
/// ```
package enum ByteSizeParser {
    static let units: [(suffix: String, bytes: Double)] = [
        ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824),
        ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1), ("", 1),
    ]

    /// A size that could not be parsed; `message` says why and shows valid forms.
    package struct Failure: Error, Sendable, Equatable {
        /// A sentence for the operator.
        package var message: String
    }

    /// Parses `text` into a number of bytes.
    package static func parse(_ text: String) throws(Failure) -> Int {
        let trimmed = text.trimmingWhitespace()
        let number = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let suffix = trimmed.dropFirst(number.count).trimmingPrefixSpaces()
        guard let value = Double(number), let unit = units.first(where: { $0.suffix == suffix }) else {
            throw Failure(message: "invalid size '\(trimmed)'; write bytes or a number with KiB, MiB, GiB, KB, MB or GB, such as 64KiB")
        }
        let bytes = value * unit.bytes
        guard bytes.isFinite, bytes < Double(Int.max / 2) else { throw Failure(message: "size '\(trimmed)' is too large") }
        return Int(bytes.rounded())
    }

    /// Formats a byte count for `registry check` (`64KiB`, `1MiB`, `100B`).
    package static func format(_ bytes: Int) -> String {
        for (suffix, size) in [("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1024)] where bytes >= size && bytes % size == 0 {
            return "\(bytes / size)\(suffix)"
        }
        return "\(bytes)B"
    }
}

extension Substring {
    fileprivate func trimmingPrefixSpaces() -> String { String(drop { $0 == " " }) }
}
