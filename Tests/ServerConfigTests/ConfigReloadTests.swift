import ServerConfig
import Testing

/// What a live reload applies, and what it reports as needing a restart.
@Suite struct ConfigReloadTests {
    @Test func limitsAndJobsChangesAreAppliedOneLineEach() throws {
        let running = try ConfigFixtures.load()
        let loaded = try ConfigFixtures.load(
            limits: ConfigFixtures.limits.replacingFirst("maxBodySize: 64KiB", with: "maxBodySize: 1KiB")
                .replacingFirst("${RATE_LIMIT_MAX_REQUESTS:-12}", with: "3")
                .replacingFirst("${DEVICE_TTL_MINUTES:-10}m", with: "5m")
                .replacingFirst("${MIN_COORDINATORS_PER_NETWORK:-2}", with: "4"),
            jobs: ConfigFixtures.jobs.replacingFirst("${PRESENCE_CLEANUP_INTERVAL:-300000}ms", with: "1m")
        )
        let reload = ConfigReload(running: running, loaded: loaded)
        #expect(
            reload.applied == [
                "http.maxBodySize: 64KiB → 1KiB",
                #"rateLimits.announce: { window: 1m, max: 12, key: user, message: "Too many presence announcements", scope: auto } → { window: 1m, max: 3, key: user, message: "Too many presence announcements", scope: auto }"#,
                "ttls.deviceOnline: 10m → 5m",
                "settings.minCoordinatorsPerNetwork: 2 → 4",
                "jobs.presenceSweep: { handler: presenceSweep, interval: 5m, lease: 5m, enabled: true } → { handler: presenceSweep, interval: 1m, lease: 1m, enabled: true }",
            ]
        )
        #expect(reload.needsRestart.isEmpty)
        #expect(reload.configuration.limits == loaded.limits)
        #expect(reload.configuration.jobs == loaded.jobs)
        #expect(reload.configuration.routes == running.routes)
        #expect(reload.configuration.digest == loaded.digest)
    }

    @Test func removedAndAddedEntriesAreNamed() throws {
        let running = try ConfigFixtures.load()
        let loaded = try ConfigFixtures.load(
            limits: ConfigFixtures.limits.replacingFirst(
                "deviceOnline: ${DEVICE_TTL_MINUTES:-10}m",
                with: "deviceOnline: ${DEVICE_TTL_MINUTES:-10}m\n  extra: 1h"
            ),
            jobs: ConfigFixtures.jobs + "\n  secondSweep:\n    handler: presenceSweep\n    interval: 10s\n    enabled: false\n"
        )
        let reload = ConfigReload(running: running, loaded: loaded)
        #expect(reload.applied.contains("ttls.extra: (none) → 1h"), "\(reload.applied)")
        #expect(reload.applied.contains("jobs.secondSweep: (none) → { handler: presenceSweep, interval: 10s, lease: 10s, enabled: false }"))
        let back = ConfigReload(running: reload.configuration, loaded: running)
        #expect(back.applied.contains("ttls.extra: 1h → (removed)"), "\(back.applied)")
    }

    @Test func routesFileAndPingIntervalNeedARestartAndKeepTheirRunningValues() throws {
        let running = try ConfigFixtures.load()
        let loaded = try ConfigFixtures.load(
            routes: ConfigFixtures.routes.replacingFirst("port: ${PORT:-3000}", with: "port: 4000")
                .replacingFirst("/network/:networkId/peers", with: "/network/:networkId/members"),
            limits: ConfigFixtures.limits.replacingFirst("http:\n", with: "websocket:\n  pingInterval: 5s\nhttp:\n")
        )
        let reload = ConfigReload(running: running, loaded: loaded)
        #expect(reload.applied.isEmpty)
        #expect(reload.needsRestart == ["limits.yaml websocket.pingInterval: 30s → 5s", "routes.yaml http, routes (bound at start-up)"])
        #expect(reload.configuration.limits.pingInterval == .seconds(30))
        #expect(reload.configuration.http.port == 3000)
        #expect(reload.configuration.routes.map(\.path) == running.routes.map(\.path))
    }

    @Test func aCommentInRoutesYamlNeedsNoRestart() throws {
        let running = try ConfigFixtures.load()
        let loaded = try ConfigFixtures.load(routes: ConfigFixtures.routes + "\n# reviewed 2026-11-25\n")
        #expect(running.digest != loaded.digest)
        let reload = ConfigReload(running: running, loaded: loaded)
        #expect(reload.applied.isEmpty)
        #expect(reload.needsRestart.isEmpty)
    }

    @Test func digestIsStableAndFollowsTheText() throws {
        let first = try ConfigFixtures.load()
        let second = try ConfigFixtures.load()
        #expect(first.digest == second.digest)
        #expect(first.digest.count == 16)
        #expect(first.digest.allSatisfy { $0.isHexDigit })
        let edited = try ConfigFixtures.load(limits: ConfigFixtures.limits + "\n# note\n")
        #expect(edited.digest != first.digest)
    }
}

/// Reload of the resource bounds (issue 14's keys).
@Suite struct BoundsReloadTests {
    @Test func webSocketBoundsAndAuthThrottleApplyAndListenerOptionsNeedARestart() throws {
        let running = try ConfigFixtures.load()
        let loaded = try ConfigFixtures.load(
            limits: ConfigFixtures.limits.replacingFirst(
                "http:\n  maxBodySize: 64KiB\n",
                with:
                    "http:\n  maxBodySize: 64KiB\n  idleTimeout: 5s\n  bodyReadTimeout: 3s\nwebsocket:\n  maxConnectionsPerUser: 3\nauthThrottle:\n  maxFailures: 7\n"
            )
        )
        let reload = ConfigReload(running: running, loaded: loaded)
        #expect(reload.applied.contains { $0.hasPrefix("http.bodyReadTimeout: ") && $0.hasSuffix("→ 3s") }, "\(reload.applied)")
        #expect(reload.applied.contains { $0.hasPrefix("websocket.maxConnectionsPerUser: ") && $0.hasSuffix("→ 3") }, "\(reload.applied)")
        #expect(reload.applied.contains { $0.hasPrefix("authThrottle.maxFailures: ") && $0.hasSuffix("→ 7") }, "\(reload.applied)")
        #expect(reload.needsRestart.contains { $0.hasPrefix("limits.yaml http.idleTimeout: ") }, "\(reload.needsRestart)")
        #expect(reload.configuration.limits.webSocket.maxConnectionsPerUser == 3)
        #expect(reload.configuration.limits.authThrottle.maxFailures == 7)
        #expect(reload.configuration.limits.idleTimeout == running.limits.idleTimeout)
    }
}
