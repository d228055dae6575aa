/// An application setting the application declares, so limits.yaml's `settings:` is checked like the rest:
/// unknown names are rejected with a suggestion, values are typed, required ones must be present.
///
/// ```swift
/// catalog.settings["minCoordinatorsPerNetwork"] = SettingSpec(.integer(min: 0, max: 1000), default: .integer(2))
/// ```
public struct SettingSpec: Sendable, Equatable {
    /// The type of a setting's value.
    public enum Kind: Sendable, Equatable {
        /// A whole number within bounds.
        case integer(min: Int, max: Int)
        /// A number, fractions allowed.
        case number
        /// A duration such as `30s`.
        case duration
        /// A byte size such as `64KiB`.
        case size
        /// A string.
        case string
        /// A list of strings.
        case stringList
        /// true or false.
        case boolean
    }

    /// The value's type.
    public var kind: Kind
    /// The value used when limits.yaml does not set it; nil makes the setting required.
    public var defaultValue: SettingValue?
    /// What a live reload does with an edit: `.live` when the application reads the setting where it uses it,
    /// `.reconnect` when it reads it once per connection (a reload then reports the edit as needing a reconnect).
    public var reload: ReloadBehaviour

    /// Declares a setting.
    public init(_ kind: Kind, default defaultValue: SettingValue? = nil, reload: ReloadBehaviour = .live) {
        self.kind = kind
        self.defaultValue = defaultValue
        self.reload = reload
    }
}

/// A typed setting value.
public enum SettingValue: Sendable, Equatable, CustomStringConvertible {
    case integer(Int)
    case number(Double)
    case duration(Duration)
    case size(Int)
    case string(String)
    case stringList([String])
    case boolean(Bool)

    public var description: String {
        switch self {
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        case .duration(let value): DurationParser.format(value)
        case .size(let value): ByteSizeParser.format(value)
        case .string(let value): value
        case .stringList(let value): "[" + value.joined(separator: ", ") + "]"
        case .boolean(let value): "\(value)"
        }
    }

    /// The integer, if this is one (or a size).
    public var intValue: Int? {
        switch self {
        case .integer(let value), .size(let value): value
        default: nil
        }
    }

    /// The duration, if this is one.
    public var durationValue: Duration? {
        if case .duration(let value) = self { return value }
        return nil
    }

    /// The number, if this is one (a whole number counts).
    public var doubleValue: Double? {
        switch self {
        case .number(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    /// The string list, if this is one.
    public var stringListValue: [String]? {
        if case .stringList(let value) = self { return value }
        return nil
    }

    /// The boolean, if this is one.
    public var boolValue: Bool? {
        if case .boolean(let value) = self { return value }
        return nil
    }
}
