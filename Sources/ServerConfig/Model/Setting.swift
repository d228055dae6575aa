/// A typed application setting of limits.yaml's `settings:`: its name, its ``SettingSpec`` (type, bounds, reload
/// behaviour) and its default, declared once. The application registers ``spec`` in its catalog and reads the value
/// with ``ServerConfiguration/setting(_:)``, which falls back to the same default.
///
/// ```swift
/// static let queueCap = Setting<Int>.integer("queueCapPerDevice", in: 1...100_000, default: 100)
/// let cap = services.configuration.setting(queueCap)
/// ```
public struct Setting<Value: Sendable>: Sendable {
    /// The name under `settings:`.
    public let name: String
    /// The type, bounds, default and reload behaviour the loader checks.
    public let spec: SettingSpec
    /// The value when limits.yaml does not set it.
    public let defaultValue: Value
    private let extract: @Sendable (SettingValue) -> Value?

    private init(
        _ name: String,
        _ kind: SettingSpec.Kind,
        _ defaultValue: Value,
        _ wrapped: SettingValue,
        reload: ReloadBehaviour,
        extract: @escaping @Sendable (SettingValue) -> Value?
    ) {
        self.name = name
        self.spec = SettingSpec(kind, default: wrapped, reload: reload)
        self.defaultValue = defaultValue
        self.extract = extract
    }

    /// The value held in `value`, if it has this setting's type.
    func value(of value: SettingValue) -> Value? { extract(value) }
}

extension Setting where Value == Int {
    /// A whole number within `range`.
    public static func integer(_ name: String, in range: ClosedRange<Int>, default value: Int, reload: ReloadBehaviour = .live) -> Self {
        Setting(name, .integer(min: range.lowerBound, max: range.upperBound), value, .integer(value), reload: reload) { $0.intValue }
    }
}

extension Setting where Value == Double {
    /// A number, fractions allowed.
    public static func number(_ name: String, default value: Double, reload: ReloadBehaviour = .live) -> Self {
        Setting(name, .number, value, .number(value), reload: reload) { $0.doubleValue }
    }
}

extension Setting where Value == Duration {
    /// A duration such as `30s`.
    public static func duration(_ name: String, default value: Duration, reload: ReloadBehaviour = .live) -> Self {
        Setting(name, .duration, value, .duration(value), reload: reload) { $0.durationValue }
    }
}

extension Setting where Value == [String] {
    /// A list of strings.
    public static func stringList(_ name: String, default value: [String], reload: ReloadBehaviour = .live) -> Self {
        Setting(name, .stringList, value, .stringList(value), reload: reload) { $0.stringListValue }
    }
}

extension ServerConfiguration {
    /// The value of an application setting: as limits.yaml sets it, else its declared default.
    public func setting<Value>(_ setting: Setting<Value>) -> Value {
        limits.settings[setting.name].flatMap { setting.value(of: $0) } ?? setting.defaultValue
    }
}
