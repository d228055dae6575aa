/// The shape of a JSON value a handler sends or a frame carries, declared once next to the handler's registration and
/// published as JSON Schema (`registry openapi`, `registry asyncapi`, `GET /openapi.json`).
///
/// ```swift
/// let peer: JSONShape = .object([
///     .init("deviceId", .string(pattern: "^peer_[a-zA-Z0-9_]+$")),
///     .init("lastSeen", .nullable(.dateTime)),
/// ])
/// ```
public indirect enum JSONShape: Sendable, Equatable {
    /// Any string, optionally matching `pattern` and of `minLength`…`maxLength` characters.
    case string(pattern: String? = nil, minLength: Int? = nil, maxLength: Int? = nil)
    /// One of these strings.
    case oneOf([String])
    /// Exactly this string.
    case constant(String)
    /// An ISO-8601 date-time string (`2026-11-25T08:28:09.889Z`).
    case dateTime
    /// A whole number.
    case integer(minimum: Int? = nil, maximum: Int? = nil)
    /// true or false.
    case boolean
    /// Exactly this boolean.
    case constantBoolean(Bool)
    /// An array whose items have `items`' shape, with at most `maxItems` of them.
    case array(JSONShape, maxItems: Int? = nil)
    /// An object with these properties; no others.
    case object([JSONProperty])
    /// `shape` or `null`.
    case nullable(JSONShape)
    /// Any JSON value but `null`.
    case anyValue
    /// One of these shapes.
    case anyOf([JSONShape])
    /// `shape`, with a description for readers of the published schema.
    case described(String, JSONShape)
}

/// One property of a ``JSONShape/object(_:)``.
public struct JSONProperty: Sendable, Equatable {
    /// The key.
    public var name: String
    /// The value's shape.
    public var shape: JSONShape
    /// True when the key may be absent. Default false.
    public var optional: Bool

    /// Creates a property.
    public init(_ name: String, _ shape: JSONShape, optional: Bool = false) {
        self.name = name
        self.shape = shape
        self.optional = optional
    }
}
