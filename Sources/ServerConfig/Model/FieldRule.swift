/// A validation rule for one request field, declared under a route's `validate:` in routes.yaml.
///
/// ```yaml
/// validate:
///   body:
///     peerId: { matches: '^peer_[a-zA-Z0-9_]+$', length: { max: 100 } }
///     capabilities: { optional: true, array: true, each: { in: [relay, store, coordinator] } }
///     userId: { length: { max: 200 }, message: 'must be a user id of at most 200 characters' }
/// ```
public struct FieldRule: Sendable, Equatable {
    /// The field name (a path parameter, query item or top-level body key).
    public var field: String
    /// If true, an absent (or null) field passes; present values are still checked. Default false.
    public var optional: Bool
    /// Checks applied in order.
    public var checks: [FieldCheck]
    /// For arrays: the rule every element must pass.
    public var each: ElementRule?
    /// The route's own wording of failures (`message:`); failures without one are worded by the engine.
    public var messages: RuleMessages
    /// Where the rule is written, for diagnostics.
    public var location: SourceLocation

    /// Creates a rule.
    public init(
        field: String,
        optional: Bool = false,
        checks: [FieldCheck],
        each: ElementRule? = nil,
        messages: RuleMessages = RuleMessages(),
        location: SourceLocation
    ) {
        self.field = field
        self.optional = optional
        self.checks = checks
        self.each = each
        self.messages = messages
        self.location = location
    }
}

/// The checks applied to each element of an array field.
public struct ElementRule: Sendable, Equatable {
    /// Checks applied to every element.
    public var checks: [FieldCheck]
    /// The route's own wording of an element's failures (`each: { …, message: … }`).
    public var messages: RuleMessages

    /// Creates an element rule.
    public init(checks: [FieldCheck], messages: RuleMessages = RuleMessages()) {
        self.checks = checks
        self.messages = messages
    }
}

/// One check of a field, as the express-validator checks the spec uses.
public enum FieldCheck: Sendable, Equatable {
    /// `string: true`: the value is a string.
    case string
    /// `alphanumeric: true`: ASCII letters and digits only (express-validator's `isAlphanumeric`).
    case alphanumeric
    /// `length: { min, max }`: string length in characters, bounds inclusive.
    case length(min: Int?, max: Int?)
    /// `matches: 'regex'`: the whole pattern must match somewhere, as JavaScript's `RegExp.test`.
    case matches(String)
    /// `url: { protocols: [ws, wss] }`: an absolute URL with a host and one of the protocols.
    case url(protocols: [String])
    /// `in: [a, b]`: one of the listed strings.
    case oneOf([String])
    /// `array: true` or `array: { min, max }`: a JSON array, with an optional element count range.
    case array(min: Int?, max: Int?)
    /// `integer: true` or `integer: { min, max }`: a whole number (a string of digits for params and query).
    case integer(min: Int?, max: Int?)
    /// `boolean: true`: true or false.
    case boolean
    /// `object: true`: a JSON object.
    case object
}

extension FieldCheck {
    /// The check's key in routes.yaml (`matches`, `length`, `in`, …), which `message:` names too.
    public var name: String {
        switch self {
        case .string: "string"
        case .alphanumeric: "alphanumeric"
        case .length: "length"
        case .matches: "matches"
        case .url: "url"
        case .oneOf: "in"
        case .array: "array"
        case .integer: "integer"
        case .boolean: "boolean"
        case .object: "object"
        }
    }
}
