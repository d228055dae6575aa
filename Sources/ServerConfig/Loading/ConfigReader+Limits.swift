/// limits.yaml: `http`, `websocket`, `rateLimits`, `ttls`, `settings`.
extension ConfigReader {
    static let limitsKeys = ["http", "websocket", "rateLimits", "ttls", "settings"]

    func limits(_ map: MappingReader?, settingSpecs: [String: SettingSpec]?) -> LimitsConfig {
        var limits = LimitsConfig()
        if let node = map?["http"], let http = mapping(node, allowed: ["maxBodySize"]) {
            if let size = http["maxBodySize"].flatMap(size) { limits.maxBodySize = size }
        }
        if let node = map?["websocket"], let ws = mapping(node, allowed: ["maxFrameSize", "pingInterval"]) {
            if let size = ws["maxFrameSize"].flatMap(size) { limits.maxFrameSize = size }
            if let interval = ws["pingInterval"].flatMap({ duration($0, minimum: .milliseconds(10)) }) { limits.pingInterval = interval }
        }
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
        return limits
    }

    /// `{ window, max, key: user|ip, message }`.
    private func rateLimit(name: String, _ node: ConfigNode) -> RateLimitConfig? {
        guard let map = mapping(node, allowed: ["window", "max", "key", "message"], required: ["window", "max"]) else { return nil }
        let window = map["window"].flatMap { duration($0, minimum: .milliseconds(1)) }
        let max = map["max"].flatMap { int($0, in: 1...Int(Int32.max)) }
        let key = map["key"].flatMap { choice($0, among: RateLimitConfig.Key.allCases.map(\.rawValue)) }.flatMap(RateLimitConfig.Key.init)
        guard let window, let max else { return nil }
        var limit = RateLimitConfig(name: name, window: window, max: max, key: key ?? .user, location: node.location)
        if let message = map["message"].flatMap(string), !message.isEmpty { limit.message = message }
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
