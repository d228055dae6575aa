/// limits.yaml: `http`, `websocket`, `authThrottle`, `presence`, `rateLimits`, `ttls`, `settings`.
///
/// - `http`: `maxBodySize`, `maxHeaderSize`, `idleTimeout`, `bodyReadTimeout`
/// - `websocket`: `maxFrameSize`, `pingInterval`, and the bounds of ``WebSocketLimits`` (`maxConnections`,
///   `maxConnectionsPerUser`, `maxConnectionsPerIP`, `connectsPerMinutePerUser`, `connectsPerMinutePerIP`,
///   `messagesPerSecondPerUser`, `messagesPerSecondPerIP`, `bytesPerSecondPerUser`, `bytesPerSecondPerIP`,
///   `maxRateViolations`, `sendBuffer`, `sendBufferMessages`, `slowConsumerOverflow`, `slowConsumerCloseTimeout`,
///   `maxBufferedBytes`, `handshakeTimeout`, `maxHeaderSize`, `allowedOrigins`)
/// - `authThrottle`: `window`, `slowAfter`, `delay`, `maxDelay`, `maxFailures`, `blockFor`
/// - `presence`: `diffInterval` (10ms to 1m)
extension ConfigReader {
    static let limitsKeys = ["http", "websocket", "authThrottle", "presence", "rateLimits", "ttls", "settings"]

    static let webSocketLimitKeys = [
        "maxFrameSize", "pingInterval", "maxConnections", "maxConnectionsPerUser", "maxConnectionsPerIP", "connectsPerMinutePerUser",
        "connectsPerMinutePerIP", "messagesPerSecondPerUser", "messagesPerSecondPerIP", "bytesPerSecondPerUser", "bytesPerSecondPerIP",
        "maxRateViolations", "sendBuffer", "sendBufferMessages", "slowConsumerOverflow", "slowConsumerCloseTimeout", "maxBufferedBytes",
        "handshakeTimeout", "maxHeaderSize", "allowedOrigins",
    ]

    func limits(_ map: MappingReader?, settingSpecs: [String: SettingSpec]?) -> LimitsConfig {
        var limits = LimitsConfig()
        if let node = map?["http"], let http = mapping(node, allowed: ["maxBodySize", "maxHeaderSize", "idleTimeout", "bodyReadTimeout"]) {
            if let size = http["maxBodySize"].flatMap(size) { limits.maxBodySize = size }
            if let size = http["maxHeaderSize"].flatMap(size) { limits.maxHeaderSize = max(size, 1024) }
            if let timeout = http["idleTimeout"].flatMap({ duration($0, minimum: .milliseconds(100)) }) { limits.idleTimeout = timeout }
            if let timeout = http["bodyReadTimeout"].flatMap({ duration($0, minimum: .milliseconds(100)) }) { limits.bodyReadTimeout = timeout }
        }
        if let node = map?["websocket"], let ws = mapping(node, allowed: Self.webSocketLimitKeys) {
            if let size = ws["maxFrameSize"].flatMap(size) { limits.maxFrameSize = size }
            if let interval = ws["pingInterval"].flatMap({ duration($0, minimum: .milliseconds(10)) }) { limits.pingInterval = interval }
            limits.webSocket = webSocketLimits(ws)
        }
        if let node = map?["authThrottle"],
            let throttle = mapping(node, allowed: ["window", "slowAfter", "delay", "maxDelay", "maxFailures", "blockFor"])
        {
            limits.authThrottle = authThrottle(throttle)
        }
        if let node = map?["presence"], let presence = mapping(node, allowed: ["diffInterval"]),
            let interval = presence["diffInterval"].flatMap({ duration($0, minimum: .milliseconds(10), maximum: .seconds(60)) })
        {
            limits.presence.diffInterval = interval
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

    /// The bounds of ``WebSocketLimits`` under `websocket:`; unwritten keys keep their defaults.
    private func webSocketLimits(_ ws: MappingReader) -> WebSocketLimits {
        var bounds = WebSocketLimits()
        let counts = 1...Int(Int32.max)
        if let value = ws["maxConnections"].flatMap({ int($0, in: counts) }) { bounds.maxConnections = value }
        if let value = ws["maxConnectionsPerUser"].flatMap({ int($0, in: counts) }) { bounds.maxConnectionsPerUser = value }
        if let value = ws["maxConnectionsPerIP"].flatMap({ int($0, in: counts) }) { bounds.maxConnectionsPerIP = value }
        if let value = ws["connectsPerMinutePerUser"].flatMap({ int($0, in: counts) }) { bounds.connectsPerMinutePerUser = value }
        if let value = ws["connectsPerMinutePerIP"].flatMap({ int($0, in: counts) }) { bounds.connectsPerMinutePerIP = value }
        if let value = ws["messagesPerSecondPerUser"].flatMap({ double($0, minimum: 0.001) }) { bounds.messagesPerSecondPerUser = value }
        if let value = ws["messagesPerSecondPerIP"].flatMap({ double($0, minimum: 0.001) }) { bounds.messagesPerSecondPerIP = value }
        if let value = ws["bytesPerSecondPerUser"].flatMap(size) { bounds.bytesPerSecondPerUser = value }
        if let value = ws["bytesPerSecondPerIP"].flatMap(size) { bounds.bytesPerSecondPerIP = value }
        if let value = ws["maxRateViolations"].flatMap({ int($0, in: 0...Int(Int32.max)) }) { bounds.maxRateViolations = value }
        if let value = ws["sendBuffer"].flatMap(size) { bounds.sendBufferBytes = value }
        if let value = ws["sendBufferMessages"].flatMap({ int($0, in: counts) }) { bounds.sendBufferMessages = value }
        if let value = ws["slowConsumerOverflow"].flatMap({ int($0, in: 0...Int(Int32.max)) }) { bounds.slowConsumerOverflow = value }
        if let value = ws["slowConsumerCloseTimeout"].flatMap({ duration($0, minimum: .milliseconds(10)) }) {
            bounds.slowConsumerCloseTimeout = value
        }
        if let value = ws["maxBufferedBytes"].flatMap(size) { bounds.maxBufferedBytes = value }
        if let value = ws["handshakeTimeout"].flatMap({ duration($0, minimum: .milliseconds(10)) }) { bounds.handshakeTimeout = value }
        if let value = ws["maxHeaderSize"].flatMap(size) { bounds.maxHeaderSize = max(value, 1024) }
        if let value = ws["allowedOrigins"].flatMap({ origins($0, allowingAny: false) }) { bounds.allowedOrigins = value }
        return bounds
    }

    /// `authThrottle:`; unwritten keys keep their defaults.
    private func authThrottle(_ map: MappingReader) -> AuthThrottleConfig {
        var throttle = AuthThrottleConfig()
        if let value = map["window"].flatMap({ duration($0, minimum: .milliseconds(1)) }) { throttle.window = value }
        if let value = map["slowAfter"].flatMap({ int($0, in: 0...Int(Int32.max)) }) { throttle.slowAfter = value }
        if let value = map["delay"].flatMap({ duration($0) }) { throttle.delay = value }
        if let value = map["maxDelay"].flatMap({ duration($0) }) { throttle.maxDelay = value }
        if let value = map["maxFailures"].flatMap({ int($0, in: 0...Int(Int32.max)) }) { throttle.maxFailures = value }
        if let value = map["blockFor"].flatMap({ duration($0, minimum: .milliseconds(1)) }) { throttle.blockFor = value }
        return throttle
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
