/// What a live reload changes: the configuration in force merged with a newly loaded one.
///
/// A reload applies limits.yaml (sizes, rate limits, TTLs, settings, the presence diff interval), jobs.yaml (intervals,
/// leases, enabled flags, new and removed jobs) and routes.yaml's `http.trustedProxies`, `http.forwardedHeader`, `http.cors`
/// and `ice` (read per request and per connection). Everything else routes.yaml holds (listeners, auth, store, routes,
/// WebSocket routes, collections) is bound at start-up and needs a restart, and so does
/// `websocket.pingInterval` (the WebSocket server's ping timer is set when it starts): those edits are
/// reported in ``needsRestart`` and the running values stay in ``configuration``.
///
/// ```swift
/// let loaded = try ConfigLoader(directory: running.directory, catalog: catalog).load()
/// let reload = ConfigReload(running: running, loaded: loaded)
/// if reload.hasChanges { live.replace(with: reload.configuration) }
/// for item in reload.needsRestart { logger.warning("needs a restart: \(item)") }
/// ```
public struct ConfigReload: Sendable {
    /// The configuration to put in force: the running one with the loaded limits and jobs.
    public let configuration: ServerConfiguration
    /// The changes applied, one line each, such as `rateLimits.announce: { window: 1m, max: 12, … } → { … max: 3 … }`.
    public let applied: [String]
    /// Edits found in the files that a reload does not apply, one line each.
    public let needsRestart: [String]

    /// Whether anything is applied.
    public var hasChanges: Bool { !applied.isEmpty }

    /// Compares the running configuration with a freshly loaded (and checked) one.
    public init(running: ServerConfiguration, loaded: ServerConfiguration) {
        var applied: [String] = []
        var needsRestart: [String] = []
        let old = running.limits
        var new = loaded.limits

        Self.compare("http.maxBodySize", ByteSizeParser.format(old.maxBodySize), ByteSizeParser.format(new.maxBodySize), into: &applied)
        Self.compare("http.bodyReadTimeout", DurationParser.format(old.bodyReadTimeout), DurationParser.format(new.bodyReadTimeout), into: &applied)
        // The HTTP listener's channel options are set when it starts.
        if old.maxHeaderSize != new.maxHeaderSize {
            needsRestart.append(
                "limits.yaml http.maxHeaderSize: \(ByteSizeParser.format(old.maxHeaderSize)) → \(ByteSizeParser.format(new.maxHeaderSize))"
            )
            new.maxHeaderSize = old.maxHeaderSize
        }
        if old.idleTimeout != new.idleTimeout {
            needsRestart.append("limits.yaml http.idleTimeout: \(DurationParser.format(old.idleTimeout)) → \(DurationParser.format(new.idleTimeout))")
            new.idleTimeout = old.idleTimeout
        }
        Self.compare("websocket", Self.fields(of: old.webSocket), Self.fields(of: new.webSocket), into: &applied)
        Self.compare("authThrottle", Self.fields(of: old.authThrottle), Self.fields(of: new.authThrottle), into: &applied)
        Self.compare("presence", Self.fields(of: old.presence), Self.fields(of: new.presence), into: &applied)
        Self.compare("websocket.maxFrameSize", ByteSizeParser.format(old.maxFrameSize), ByteSizeParser.format(new.maxFrameSize), into: &applied)
        if old.pingInterval != new.pingInterval {
            needsRestart.append(
                "limits.yaml websocket.pingInterval: \(DurationParser.format(old.pingInterval)) → \(DurationParser.format(new.pingInterval))"
            )
            new.pingInterval = old.pingInterval
        }
        Self.compare(
            "rateLimits",
            old.rateLimits.mapValues(Self.describe),
            new.rateLimits.mapValues(Self.describe),
            into: &applied
        )
        Self.compare("ttls", old.ttls.mapValues { DurationParser.format($0) }, new.ttls.mapValues { DurationParser.format($0) }, into: &applied)
        Self.compare("settings", old.settings.mapValues(\.description), new.settings.mapValues(\.description), into: &applied)
        Self.compare(
            "jobs",
            Dictionary(running.jobs.map { ($0.name, Self.describe($0)) }, uniquingKeysWith: { first, _ in first }),
            Dictionary(loaded.jobs.map { ($0.name, Self.describe($0)) }, uniquingKeysWith: { first, _ in first }),
            into: &applied
        )
        Self.compare(
            "http.trustedProxies",
            "[" + running.clientAddress.trustedProxies.map(\.description).joined(separator: ", ") + "]",
            "[" + loaded.clientAddress.trustedProxies.map(\.description).joined(separator: ", ") + "]",
            into: &applied
        )
        Self.compare("http.forwardedHeader", running.clientAddress.header.rawValue, loaded.clientAddress.header.rawValue, into: &applied)
        Self.compare("http.cors", running.cors.summary, loaded.cors.summary, into: &applied)
        if running.ice != loaded.ice {
            // The secrets are never shown: a rotation to one of the same length reads `<set, N bytes, changed>`.
            let rotated = running.ice.turnSecret != loaded.ice.turnSecret
            applied.append("ice: \(running.ice.summary) → \(loaded.ice.summary(secretChanged: rotated))")
        }
        let routesNeedRestart = Self.routesFileChanges(running, loaded)
        needsRestart += routesNeedRestart

        var merged = running
        merged.limits = new
        merged.jobs = loaded.jobs
        merged.clientAddress = loaded.clientAddress
        merged.cors = loaded.cors
        merged.ice = loaded.ice
        merged.warnings = loaded.warnings
        for file in [ConfigLoader.limitsFile, ConfigLoader.jobsFile] { merged.sources[file] = loaded.sources[file] }
        // routes.yaml is in force as written when every edit of it was applied (so the digest matches `registry check`).
        if routesNeedRestart.isEmpty { merged.sources[ConfigLoader.routesFile] = loaded.sources[ConfigLoader.routesFile] }
        self.configuration = merged
        self.applied = applied
        self.needsRestart = needsRestart
    }

    /// The sections of routes.yaml that differ; they are bound at start-up.
    private static func routesFileChanges(_ running: ServerConfiguration, _ loaded: ServerConfiguration) -> [String] {
        guard running.sources[ConfigLoader.routesFile] != loaded.sources[ConfigLoader.routesFile] else { return [] }
        var sections: [String] = []
        if running.service != loaded.service { sections.append("service") }
        if running.http != loaded.http || running.openAPI != loaded.openAPI { sections.append("http") }
        if running.webSocket != loaded.webSocket { sections.append("websocket") }
        if running.auth != loaded.auth { sections.append("auth") }
        if running.store != loaded.store { sections.append("store") }
        if running.metrics != loaded.metrics { sections.append("metrics") }
        if running.cluster != loaded.cluster { sections.append("cluster") }
        if running.routes.map(\.unlocated) != loaded.routes.map(\.unlocated) { sections.append("routes") }
        if running.webSocketRoutes.map(\.unlocated) != loaded.webSocketRoutes.map(\.unlocated) { sections.append("websockets") }
        if running.collections.map(\.unlocated) != loaded.collections.map(\.unlocated) { sections.append("collections") }
        guard !sections.isEmpty else { return [] }
        return ["routes.yaml " + sections.joined(separator: ", ") + " (bound at start-up)"]
    }

    /// Adds a line for each key whose value differs, was added or was removed.
    private static func compare(_ section: String, _ old: [String: String], _ new: [String: String], into lines: inout [String]) {
        for name in Set(old.keys).union(new.keys).sorted() where old[name] != new[name] {
            lines.append("\(section).\(name): \(old[name] ?? "(none)") → \(new[name] ?? "(removed)")")
        }
    }

    private static func compare(_ key: String, _ old: String, _ new: String, into lines: inout [String]) {
        if old != new { lines.append("\(key): \(old) → \(new)") }
    }

    /// The stored properties of a plain configuration struct as `name → value` (durations and sizes readable).
    private static func fields(of value: Any) -> [String: String] {
        var fields: [String: String] = [:]
        for child in Mirror(reflecting: value).children {
            guard let name = child.label else { continue }
            switch child.value {
            case let duration as Duration: fields[name] = DurationParser.format(duration)
            default: fields[name] = "\(child.value)"
            }
        }
        return fields
    }

    private static func describe(_ limit: RateLimitConfig) -> String {
        "{ window: \(DurationParser.format(limit.window)), max: \(limit.max), key: \(limit.key.rawValue), message: \"\(limit.message)\", scope: \(limit.scope.rawValue) }"
    }

    private static func describe(_ job: JobConfig) -> String {
        "{ handler: \(job.handler), interval: \(DurationParser.format(job.interval)), lease: \(DurationParser.format(job.lease)), enabled: \(job.enabled) }"
    }
}
