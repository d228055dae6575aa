import DocumentStore
import Logging
import ServerConfig

/// The outcome of a live reload.
public enum ConfigReloadOutcome: Sendable {
    /// The files changed; `reload.applied` and `reload.needsReconnect` are in force as `version` (the latter for new
    /// connections).
    case applied(ConfigReload, version: LiveConfiguration.Version)
    /// The files hold nothing a reload applies; `reload.needsRestart` may still list edits of routes.yaml.
    case unchanged(ConfigReload, version: LiveConfiguration.Version)
    /// The files do not pass the checks; the configuration in force stays.
    case rejected(ConfigError, version: LiveConfiguration.Version)
}

extension Engine {
    /// Reads the three files again, checks them as start-up does, and puts the new limits.yaml and jobs.yaml in
    /// force without dropping connections, as each key of ``ConfigKeys`` says: rate limits, TTLs, sizes and most
    /// settings apply to the next request, message or tick, job intervals from each job's last run, and routes.yaml's
    /// trusted proxies, CORS settings and ICE servers likewise. Edits open sockets do not follow (`websocket.maxFrameSize`,
    /// the signaling settings read once per connection) apply to new connections and are logged as needing a reconnect.
    /// Edits that need a restart (the rest of routes.yaml, `websocket.pingInterval`, `http.maxHeaderSize`,
    /// `http.idleTimeout`) are logged and not applied. Invalid files are refused with every diagnostic logged, and the
    /// configuration in force stays.
    ///
    /// ```swift
    /// if case .rejected(let error, _) = engine.reloadConfiguration() { print(error.description) }
    /// ```
    @discardableResult
    public func reloadConfiguration(loader: ConfigLoader? = nil) -> ConfigReloadOutcome {
        let live = services.liveConfiguration
        let running = live.current
        let logger = services.logger
        let loader = loader ?? ConfigLoader(directory: running.directory, catalog: handlers.catalog)
        let loaded: ServerConfiguration
        do {
            loaded = try loader.load()
        } catch {
            let version = live.version
            logger.error(
                "configuration reload rejected; the configuration in force stays",
                metadata: [
                    "configVersion": "\(version.number)", "configDigest": "\(version.digest)",
                    "diagnostics": .array(error.diagnostics.map { .string($0.description) }),
                ]
            )
            services.metrics.recordConfigReload(outcome: "rejected")
            return .rejected(error, version: version)
        }
        let reload = ConfigReload(running: running, loaded: loaded, settingSpecs: handlers.catalog.settings ?? [:])
        ConfigWarningLog.log(loaded.warnings, to: logger)
        if !reload.needsRestart.isEmpty {
            logger.warning(
                "configuration edits that need a restart were not applied",
                metadata: ["needsRestart": .array(reload.needsRestart.map { .string($0) })]
            )
        }
        if !reload.needsReconnect.isEmpty {
            logger.notice(
                "configuration edits apply to new connections; open WebSockets keep the old values until they reconnect",
                metadata: ["needsReconnect": .array(reload.needsReconnect.map { .string($0) })]
            )
        }
        guard reload.hasChanges else {
            let version = live.version
            logger.info(
                "configuration reloaded: nothing to apply",
                metadata: ["configVersion": "\(version.number)", "configDigest": "\(version.digest)"]
            )
            services.metrics.recordConfigReload(outcome: "unchanged")
            return .unchanged(reload, version: version)
        }
        let version = live.replace(with: reload.configuration, at: services.clock.now())
        do {
            try openAPIDocument?.refresh(configuration: reload.configuration, handlers: handlers)
        } catch {
            logger.error("the OpenAPI document could not be generated again; the previous one stays", metadata: ["error": "\(error)"])
        }
        logger.notice(
            "configuration reloaded",
            metadata: [
                "configVersion": "\(version.number)", "configDigest": "\(version.digest)",
                "applied": .array(reload.applied.map { .string($0) }),
            ]
        )
        services.metrics.recordConfigReload(outcome: "applied")
        services.metrics.recordConfigVersion(version.number)
        return .applied(reload, version: version)
    }
}
