/// limits.yaml's named sections: `rateLimits`, `ttls`, `settings`. (Its keyed sections, `http`, `websocket`,
/// `authThrottle` and `presence`, are read through ``ConfigKeys``.)
extension ConfigReader {
    /// Reads `rateLimits`, `ttls` and `settings` into `limits`; settings not written take their declared defaults.
    func namedLimits(_ map: MappingReader?, settingSpecs: [String: SettingSpec]?, into limits: inout LimitsConfig) {
        if let node = map?["rateLimits"], let named = mapping(node) {
            declaredNames["rateLimits"] = Set(named.entries.map(\.key))
            for entry in named.entries {
                if let limit = rateLimit(name: entry.key, entry.value) { limits.rateLimits[entry.key] = limit }
            }
        }
        if let node = map?["ttls"], let named = mapping(node) {
            declaredNames["ttls"] = Set(named.entries.map(\.key))
            for entry in named.entries {
                if let value = duration(entry.value) { limits.ttls[entry.key] = value }
            }
        }
        limits.settings = settings(map?["settings"], specs: settingSpecs, fileNode: map?.node)
    }

    /// `{ window, max, key: user|ip, message }`.
    private func rateLimit(name: String, _ node: ConfigNode) -> RateLimitConfig? {
        guard let map = mapping(node, allowed: ["window", "max", "key", "message", "scope"], required: ["window", "max"]) else { return nil }
        let window = map["window"].flatMap { duration($0, minimum: .milliseconds(1)) }
        let max = map["max"].flatMap { int($0, in: 1...Int(Int32.max)) }
        let key = map["key"].flatMap { choice($0, among: RateLimitConfig.Key.allCases.map(\.rawValue)) }.flatMap(RateLimitConfig.Key.init)
        guard let window, let max else { return nil }
        var limit = RateLimitConfig(name: name, window: window, max: max, key: key ?? .user, location: node.location)
        if let message = map["message"].flatMap(string), !message.isEmpty { limit.message = message }
        if let scope = map["scope"].flatMap({ choice($0, among: RateLimitConfig.Scope.allCases.map(\.rawValue)) }).flatMap(RateLimitConfig.Scope.init)
        {
            limit.scope = scope
        }
        return limit
    }

    /// `settings:` typed by the application's specs; defaults fill what is not written.
    private func settings(_ node: ConfigNode?, specs: [String: SettingSpec]?, fileNode: ConfigNode?) -> [String: SettingValue] {
        var values: [String: SettingValue] = [:]
        var written: Set<String> = []
        if let node, let map = mapping(node, allowed: specs.map { $0.keys.sorted() }) {
            written = Set(map.entries.map(\.key))
            for entry in map.entries {
                guard let spec = specs?[entry.key] else {
                    if let text = string(entry.value) { values[entry.key] = .string(text) }
                    continue
                }
                if let value = settingValue(entry.value, kind: spec.kind) { values[entry.key] = value }
            }
        }
        for (name, spec) in specs ?? [:] where !written.contains(name) {
            if let defaultValue = spec.defaultValue {
                values[name] = defaultValue
            } else {
                let location = node?.location ?? fileNode?.location ?? SourceLocation(file: "limits.yaml")
                report(.error, "missing required setting '\(name)'", at: location, keyPath: "settings")
            }
        }
        return values
    }

    private func settingValue(_ node: ConfigNode, kind: SettingSpec.Kind) -> SettingValue? {
        switch kind {
        case .integer(let min, let max): int(node, in: min...max).map(SettingValue.integer)
        case .number: double(node).map(SettingValue.number)
        case .duration: duration(node).map(SettingValue.duration)
        case .size: size(node).map(SettingValue.size)
        case .string: string(node).map(SettingValue.string)
        case .stringList: stringList(node).map(SettingValue.stringList)
        case .boolean: bool(node).map(SettingValue.boolean)
        }
    }
}
