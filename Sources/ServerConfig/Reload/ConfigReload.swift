/// What a live reload changes: the configuration in force merged with a newly loaded one.
///
/// Each key of ``ConfigKeys`` says what a reload does with an edit of it: `applied live` keys (most of limits.yaml,
/// routes.yaml's `http.trustedProxies`, `http.forwardedHeader`, `http.cors` and `ice`) are put in force and listed in
/// ``applied``; `needs reconnect` keys (`websocket.maxFrameSize`) are put in force for new connections and listed in
/// ``needsReconnect``; `needs restart` keys keep their running value and are listed in ``needsRestart``. limits.yaml's
/// rate limits, TTLs and settings and jobs.yaml are applied live, except the application settings it declares as
/// read once per connection (``SettingSpec/reload``), which are listed in ``needsReconnect``. routes.yaml's lists
/// (routes, WebSocket routes, collections) are bound at start-up.
///
/// ```swift
/// let loaded = try ConfigLoader(directory: running.directory, catalog: catalog).load()
/// let reload = ConfigReload(running: running, loaded: loaded, settingSpecs: catalog.settings)
/// if reload.hasChanges { live.replace(with: reload.configuration) }
/// for item in reload.needsRestart { logger.warning("needs a restart: \(item)") }
/// ```
public struct ConfigReload: Sendable {
    /// The configuration to put in force: the running one with every edit a reload applies.
    public let configuration: ServerConfiguration
    /// The changes applied to everything at once, one line each, such as `rateLimits.announce: { … max: 12 … } → { … max: 3 … }`.
    public let applied: [String]
    /// The changes put in force for new connections only: open WebSockets keep the old value until they reconnect.
    public let needsReconnect: [String]
    /// Edits found in the files that a reload does not apply, one line each.
    public let needsRestart: [String]

    /// Whether anything is put in force.
    public var hasChanges: Bool { !applied.isEmpty || !needsReconnect.isEmpty }

    /// Compares the running configuration with a freshly loaded (and checked) one. `settingSpecs` (the application's
    /// declared settings) say which `settings:` entries an open connection does not follow.
    public init(running: ServerConfiguration, loaded: ServerConfiguration, settingSpecs: [String: SettingSpec] = [:]) {
        var applied: [String] = []
        var needsReconnect: [String] = []
        var needsRestart: [String] = []
        var merged = running
        var routesSectionsNeedingRestart: [String] = []

        for key in ConfigKeys.all where key.differs(running, loaded) {
            var line = "\(key.path): \(key.value(in: running)) → \(key.value(in: loaded))"
            // A secret rotated to one of the same length prints the same: say that it changed.
            if key.value(in: running) == key.value(in: loaded) { line += " (changed)" }
            switch key.reload {
            case .live:
                key.copy(loaded, &merged)
                applied.append(line)
            case .reconnect:
                key.copy(loaded, &merged)
                needsReconnect.append(line)
            case .restart where key.file == ConfigLoader.limitsFile:
                needsRestart.append("\(key.file) \(line)")
            case .restart:
                let section = key.path.split(separator: ".").first.map(String.init) ?? key.path
                if !routesSectionsNeedingRestart.contains(section) { routesSectionsNeedingRestart.append(section) }
            }
        }
        if loaded.cors.originsFromEnvironment != running.cors.originsFromEnvironment { merged.cors = loaded.cors }
        let old = running.limits
        let new = loaded.limits
        Self.compare("rateLimits", old.rateLimits.mapValues(Self.describe), new.rateLimits.mapValues(Self.describe), into: &applied)
        Self.compare("ttls", old.ttls.mapValues { DurationParser.format($0) }, new.ttls.mapValues { DurationParser.format($0) }, into: &applied)
        var settingsApplied: [String] = []
        Self.compare("settings", old.settings.mapValues(\.description), new.settings.mapValues(\.description), into: &settingsApplied)
        for line in settingsApplied {
            let name = line.dropFirst("settings.".count).prefix { $0 != ":" }
            if settingSpecs[String(name)]?.reload == .reconnect { needsReconnect.append(line) } else { applied.append(line) }
        }
        Self.compare(
            "jobs",
            Dictionary(running.jobs.map { ($0.name, Self.describe($0)) }, uniquingKeysWith: { first, _ in first }),
            Dictionary(loaded.jobs.map { ($0.name, Self.describe($0)) }, uniquingKeysWith: { first, _ in first }),
            into: &applied
        )
        let routesNeedRestart = Self.routesFileChanges(running, loaded, keyedSections: routesSectionsNeedingRestart)
        needsRestart += routesNeedRestart

        merged.limits.rateLimits = new.rateLimits
        merged.limits.ttls = new.ttls
        merged.limits.settings = new.settings
        merged.jobs = loaded.jobs
        merged.warnings = loaded.warnings
        for file in [ConfigLoader.limitsFile, ConfigLoader.jobsFile] { merged.sources[file] = loaded.sources[file] }
        // routes.yaml is in force as written when every edit of it was applied (so the digest matches `registry check`).
        if routesNeedRestart.isEmpty { merged.sources[ConfigLoader.routesFile] = loaded.sources[ConfigLoader.routesFile] }
        self.configuration = merged
        self.applied = applied
        self.needsReconnect = needsReconnect
        self.needsRestart = needsRestart
    }

    /// The sections of routes.yaml whose edits are bound at start-up: the table's (`keyedSections`) and the lists.
    private static func routesFileChanges(_ running: ServerConfiguration, _ loaded: ServerConfiguration, keyedSections: [String]) -> [String] {
        guard running.sources[ConfigLoader.routesFile] != loaded.sources[ConfigLoader.routesFile] else { return [] }
        var sections = keyedSections
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

    private static func describe(_ limit: RateLimitConfig) -> String {
        "{ window: \(DurationParser.format(limit.window)), max: \(limit.max), key: \(limit.key.rawValue), message: \"\(limit.message)\", scope: \(limit.scope.rawValue) }"
    }

    private static func describe(_ job: JobConfig) -> String {
        "{ handler: \(job.handler), interval: \(DurationParser.format(job.interval)), lease: \(DurationParser.format(job.lease)), enabled: \(job.enabled) }"
    }
}
