import OpenAPIKit
import ServerConfig

extension FieldRule {
    /// The values the rule accepts, as a JSON Schema: what the engine's validator checks (type, pattern, length,
    /// enum, array bounds, integer range), so a value valid here passes validation and one invalid here gets a 400.
    /// `textual` (path and query) values arrive as strings.
    func jsonSchema(textual: Bool) -> JSONSchema {
        var schema = Self.schema(for: checks, each: each?.checks, textual: textual, required: !optional)
        // An optional body field may also be null (the validator treats null as absent).
        if optional, !textual { schema = schema.nullableSchemaObject() }
        return schema
    }

    /// One schema for a list of checks. Checks of different types cannot all pass, so the first type-giving check
    /// decides the type; patterns past the first are added with `allOf`.
    private static func schema(for checks: [FieldCheck], each: [FieldCheck]?, textual: Bool, required: Bool) -> JSONSchema {
        var patterns: [String] = []
        var minLength: Int?
        var maxLength: Int?
        var allowed: [String]?
        var kind: FieldCheck?
        for check in checks {
            switch check {
            case .string:
                kind = kind ?? .string
            case .alphanumeric:
                kind = kind ?? .string
                patterns.append("^[a-zA-Z0-9]+$")
            case .length(let min, let max):
                kind = kind ?? .string
                minLength = [minLength, min].compactMap { $0 }.max()
                maxLength = [maxLength, max].compactMap { $0 }.min()
            case .matches(let pattern):
                kind = kind ?? .string
                patterns.append(pattern)
            case .url(let protocols):
                kind = kind ?? .string
                patterns.append(urlPattern(protocols))
                maxLength = [maxLength, URLRule.maxLength].compactMap { $0 }.min()
            case .oneOf(let values):
                kind = kind ?? .string
                allowed = values
            case .array, .integer, .boolean, .object:
                kind = kind ?? check
            }
        }
        switch kind {
        case .none:
            return textual ? .string(required: required) : .fragment(required: required)
        case .array(let min, let max):
            let items = each.map { schema(for: $0, each: nil, textual: false, required: true) }
            return .array(required: required, minItems: min, maxItems: max, items: items)
        case .integer(let min, let max):
            return .integer(required: required, maximum: max.map { ($0, exclusive: false) }, minimum: min.map { ($0, exclusive: false) })
        case .boolean:
            return .boolean(required: required)
        case .object:
            return .object(required: required)
        default:
            let first = JSONSchema.string(
                required: required,
                minLength: minLength,
                maxLength: maxLength,
                pattern: patterns.first,
                allowedValues: allowed?.map { AnyCodable($0) }
            )
            guard patterns.count > 1 else { return first }
            return .all(of: [first] + patterns.dropFirst().map { .string(pattern: $0) }, core: .init(required: required))
        }
    }

    /// `^(ws|wss)://host(:port)(/path)`: one of the protocols (any case, as the validator compares them), `://`, a host
    /// of letters, digits and dashes, an optional port and path. The validator accepts a few URLs more (IPv6 hosts,
    /// queries), none fewer.
    private static func urlPattern(_ protocols: [String]) -> String {
        let alternatives = protocols.map { name in
            name.map { character -> String in
                let lower = character.lowercased()
                let upper = character.uppercased()
                return lower == upper ? NSRegularExpressionEscape.escape(character) : "[\(lower)\(upper)]"
            }.joined()
        }
        return "^(" + alternatives.joined(separator: "|") + ")://[a-zA-Z0-9-]+(\\.[a-zA-Z0-9-]+)*(:[0-9]{1,4})?(/[a-zA-Z0-9._~/-]*)?$"
    }
}

/// The validator's limit on a URL's length.
private enum URLRule {
    static let maxLength = 2083
}

/// Escapes a character for a regular expression.
private enum NSRegularExpressionEscape {
    static func escape(_ character: Character) -> String {
        "\\^$.|?*+()[]{}/-".contains(character) ? "\\" + String(character) : String(character)
    }
}
