/// How one kind of configuration value is read, bounded and printed: the parser column of ``ConfigKeys``.
///
/// ```swift
/// let parser = ValueParser<Int>.int(in: 1...65535)
/// parser.bounds  // "1 to 65535"
/// ```
package struct ValueParser<Value: Sendable>: Sendable {
    /// The kind of value, for the configuration reference: `size`, `duration`, `whole number`, ….
    package let type: String
    /// The accepted range in words (empty: any value of the type).
    package let bounds: String
    let parse: @Sendable (ConfigReader, ConfigNode) -> Value?
    let format: @Sendable (Value) -> String

    init(
        type: String,
        bounds: String = "",
        parse: @escaping @Sendable (ConfigReader, ConfigNode) -> Value?,
        format: @escaping @Sendable (Value) -> String
    ) {
        self.type = type
        self.bounds = bounds
        self.parse = parse
        self.format = format
    }
}

extension ValueParser where Value == Int {
    /// A whole number within `range`.
    static func int(in range: ClosedRange<Int>) -> Self {
        ValueParser(type: "whole number", bounds: ConfigReader.describe(range), parse: { $0.int($1, in: range) }, format: { "\($0)" })
    }

    /// A byte size such as `64KiB`, at least `minimum` bytes (a smaller one is raised to it).
    static func size(raisedTo minimum: Int = 1) -> Self {
        ValueParser(
            type: "size",
            bounds: minimum > 1 ? "at least \(ByteSizeParser.format(minimum)) (smaller is raised)" : "at least 1 byte",
            parse: { reader, node in reader.size(node).map { max($0, minimum) } },
            format: { ByteSizeParser.format($0) }
        )
    }
}

extension ValueParser where Value == Double {
    /// A number (fractions allowed) at least `minimum`.
    static func number(minimum: Double) -> Self {
        ValueParser(type: "number", bounds: "at least \(minimum)", parse: { $0.double($1, minimum: minimum) }, format: { "\($0)" })
    }
}

extension ValueParser where Value == Duration {
    /// A duration such as `500ms` or `5m`, between `minimum` and `maximum` (inclusive).
    static func duration(minimum: Duration = .zero, maximum: Duration? = nil) -> Self {
        var bounds = minimum > .zero ? "at least \(DurationParser.format(minimum))" : ""
        if let maximum { bounds = "\(DurationParser.format(minimum)) to \(DurationParser.format(maximum))" }
        return ValueParser(
            type: "duration",
            bounds: bounds,
            parse: { $0.duration($1, minimum: minimum, maximum: maximum) },
            format: { DurationParser.format($0) }
        )
    }
}

extension ValueParser where Value == Bool {
    /// true or false (also yes/no, on/off, 1/0).
    static let bool = ValueParser(type: "boolean", parse: { $0.bool($1) }, format: { "\($0)" })
}

extension ValueParser where Value == String {
    /// Any text; an empty value keeps the default where `keepsDefaultWhenEmpty`.
    static func string(keepsDefaultWhenEmpty: Bool = false) -> Self {
        ValueParser(
            type: "string",
            bounds: keepsDefaultWhenEmpty ? "empty keeps the default" : "",
            parse: { reader, node in reader.string(node).flatMap { keepsDefaultWhenEmpty && $0.isEmpty ? nil : $0 } },
            format: { $0 }
        )
    }

    /// A secret: read as text, printed only as whether it is set and its length.
    static let secret = ValueParser(
        type: "secret",
        parse: { $0.string($1) },
        format: { $0.isEmpty ? "<not set>" : "<set, \($0.utf8.count) bytes>" }
    )
}

extension ValueParser where Value == [String] {
    /// A list of text items, printed `[a, b]`.
    static func list(type: String, bounds: String = "", _ parse: @escaping @Sendable (ConfigReader, ConfigNode) -> [String]?) -> Self {
        ValueParser(type: type, bounds: bounds, parse: parse, format: { "[" + $0.joined(separator: ", ") + "]" })
    }
}

extension ValueParser where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of the enumeration's raw values.
    static func choice() -> Self {
        let names = Value.allCases.map(\.rawValue)
        return ValueParser(
            type: "one of " + names.joined(separator: " | "),
            parse: { reader, node in reader.choice(node, among: names).flatMap(Value.init(rawValue:)) },
            format: { $0.rawValue }
        )
    }
}
