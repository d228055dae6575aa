import Foundation
import ServerConfig

/// Small valid files and a catalog, which each test then breaks in one place.
enum ConfigFixtures {
    static let catalog = BindingCatalog(
        httpHandlers: ["announce", "peers"],
        webSocketHandlers: ["signaling"],
        jobHandlers: ["presenceSweep"],
        networkLookups: ["deviceNetwork"],
        requiredTTLs: ["deviceOnline"],
        settings: [
            "minCoordinatorsPerNetwork": SettingSpec(.integer(min: 0, max: 1000), default: .integer(2)),
            "messageTypes": SettingSpec(.stringList, default: .stringList(["offer"])),
        ]
    )

    static let routes = """
        service: test
        http:
          port: ${PORT:-3000}
        websocket:
          port: ${SIGNALING_PORT:-8080}
        auth:
          jwt:
            secret: ${JWT_SECRET:-}
        routes:
          - method: POST
            path: /network/:networkId/announce
            handler: announce
            rateLimit: announce
            network: networkId
            validate:
              params:
                networkId: { alphanumeric: true, length: { min: 1, max: 50 } }
              body:
                peerId: { matches: '^peer_[a-zA-Z0-9_]+$', length: { max: 100 } }
          - method: GET
            path: /network/:networkId/peers
            handler: peers
            network: networkId
        websockets:
          - path: ${SIGNALING_PATH:-/signaling}/:deviceId
            handler: signaling
            network: { lookup: deviceNetwork, param: deviceId }
        collections:
          devices:
            indexes:
              - keys: { deviceId: 1 }
                unique: true
              - keys: { expiresAt: 1 }
                expireAfterSeconds: 0
                ttl: deviceOnline
        """

    static let limits = """
        http:
          maxBodySize: 64KiB
        rateLimits:
          announce:
            window: ${RATE_LIMIT_WINDOW_MS:-60000}ms
            max: ${RATE_LIMIT_MAX_REQUESTS:-12}
            message: Too many presence announcements
        ttls:
          deviceOnline: ${DEVICE_TTL_MINUTES:-10}m
        settings:
          minCoordinatorsPerNetwork: ${MIN_COORDINATORS_PER_NETWORK:-2}
        """

    static let jobs = """
        jobs:
          presenceSweep:
            handler: presenceSweep
            interval: ${PRESENCE_CLEANUP_INTERVAL:-300000}ms
        """

    /// Loads the fixtures, with `edit` applied to one file's text.
    static func load(
        environment: [String: String] = [:],
        routes: String = routes,
        limits: String = limits,
        jobs: String = jobs
    ) throws(ConfigError) -> ServerConfiguration {
        try ConfigLoader(directory: ".", environment: environment, catalog: catalog)
            .load(sources: ["routes.yaml": routes, "limits.yaml": limits, "jobs.yaml": jobs])
    }

    /// The diagnostics of a load expected to fail; an empty list if it unexpectedly succeeded.
    static func errors(
        environment: [String: String] = [:],
        routes: String = routes,
        limits: String = limits,
        jobs: String = jobs
    ) -> [ConfigDiagnostic] {
        do {
            _ = try load(environment: environment, routes: routes, limits: limits, jobs: jobs)
            return []
        } catch {
            return error.errors
        }
    }

    /// The 1-based line number of the first line of `text` containing `needle`.
    static func line(of needle: String, in text: String) -> Int {
        (text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) } ?? -1) + 1
    }
}

extension String {
    /// The text with the first occurrence of `target` replaced.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
