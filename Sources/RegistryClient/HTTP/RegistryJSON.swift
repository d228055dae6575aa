import Foundation

/// The JSON coders of the registry's bodies: dates are ISO-8601 strings with milliseconds in HTTP bodies
/// (`2026-11-25T08:28:09.889Z`) and milliseconds since the epoch in WebSocket frames.
package enum RegistryJSON {
    /// The decoder of HTTP bodies and frames.
    package static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            if let milliseconds = try? container.decode(Double.self) {
                return Date(timeIntervalSince1970: milliseconds / 1000)
            }
            let text = try container.decode(String.self)
            if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
            if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO-8601 date: \(text)")
        }
        return decoder
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Decodes `type` from an answer's body, or throws `RegistryError.invalidResponse`.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String) throws -> T {
        do {
            return try decoder().decode(type, from: data)
        } catch {
            throw RegistryError.invalidResponse("\(what): \(error)")
        }
    }
}
