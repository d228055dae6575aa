import Foundation

/// The JSON encoder of `HandlerResponse.json(_:)`: dates as ISO-8601 with milliseconds (as Node encodes them), no
/// escaped slashes, and keys sorted, so a Swift dictionary (which has no order) is written the same way every time.
enum JSONCoding {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ISO8601Milliseconds.string(from: date))
        }
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }
}
