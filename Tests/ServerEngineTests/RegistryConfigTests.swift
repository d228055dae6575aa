import Foundation
import P2PRegistry
import ServerConfig
import ServerEngine
import Testing

/// The shipped routes.yaml, limits.yaml and jobs.yaml hold the spec's whole registry (and the added ICE servers route) and
/// honour its environment variables.
@Suite struct RegistryConfigTests {
    static func load(_ environment: [String: String] = [:]) throws -> ServerConfiguration {
        var handlers = HandlerRegistry()
        RegistryHandlers.register(into: &handlers)
        return try ConfigLoader(directory: EngineFixtures.packageRoot.path, environment: environment, catalog: handlers.catalog).load()
    }

    @Test func shippedFilesHoldTheSpecDefaults() throws {
        let config = try Self.load()
        #expect(config.http.port == 3000)
        #expect(config.webSocket.port == 8080)
        #expect(config.webSocketRoutes.map(\.path) == ["/signaling/:deviceId"])
        #expect(
            Set(config.routes.map { "\($0.method) \($0.path)" }) == [
                "POST /network/:networkId/announce", "GET /network/:networkId/peers",
                "GET /network/:networkId/peer/:userId", "GET /signaling/messages/:deviceId",
                "GET /network/:networkId/ice-servers",
                "DELETE /network/:networkId/devices/:deviceId",
            ]
        )
        // The ICE servers route (added): nothing is handed out until STUN_URLS / TURN_URLS are set.
        #expect(config.ice == ICEConfig())
        #expect(config.limits.rateLimits["iceServers"]?.max == 30)
        let announce = try #require(config.limits.rateLimits["announce"])
        #expect(announce.max == 12)
        #expect(announce.window == .seconds(60))
        #expect(announce.message == "Too many presence announcements")
        #expect(config.limits.ttls["deviceOnline"] == .seconds(600))
        #expect(config.limits.ttls["signaling"] == .seconds(3600))
        #expect(config.limits.settings["minCoordinatorsPerNetwork"] == .integer(2))
        #expect(config.limits.presence.diffInterval == .seconds(1))
        #expect(config.jobs.map(\.interval) == [.seconds(300), .seconds(600), .seconds(15)])
        #expect(config.store.database == "private_networks")
        #expect(!config.store.usesMongoDB)
    }

    @Test func shippedFilesDeclareEverySpecIndex() throws {
        let config = try Self.load()
        let devices = try #require(config.collections.first { $0.name == "devices" })
        #expect(devices.indexes.map(\.resolvedName) == ["deviceId_1", "networkId_1_isOnline_1", "userId_1_networkId_1", "lastSeen_1", "expiresAt_1"])
        #expect(devices.indexes.first?.unique == true)
        #expect(devices.indexes.last?.expireAfterSeconds == 0)
        let channels = try #require(config.collections.first { $0.name == "signaling_channels" })
        #expect(channels.indexes.map(\.resolvedName) == ["channelId_1", "participants_1", "expiresAt_1"])
        #expect(channels.indexes.last?.expireAfterSeconds == 0)
    }

    @Test func everySpecEnvironmentVariableIsHonoured() throws {
        let config = try Self.load([
            "MONGODB_URI": "mongodb://db:27017/x", "MONGODB_DB_NAME": "other", "SIGNALING_PORT": "9090",
            "SIGNALING_PATH": "/sig", "DEVICE_TTL_MINUTES": "0.05", "SIGNALING_TTL_HOURS": "2",
            "MIN_COORDINATORS_PER_NETWORK": "3", "PRESENCE_CLEANUP_INTERVAL": "500", "COORDINATOR_CHECK_INTERVAL": "750",
            "JWT_SECRET": "0123456789abcdef0123456789abcdef", "RATE_LIMIT_WINDOW_MS": "1000", "RATE_LIMIT_MAX_REQUESTS": "5",
            "PORT": "3100",
        ])
        #expect(config.store.uri == "mongodb://db:27017/x")
        #expect(config.store.database == "other")
        #expect(config.webSocket.port == 9090)
        #expect(config.webSocketRoutes.first?.path == "/sig/:deviceId")
        #expect(config.limits.ttls["deviceOnline"] == .seconds(3))
        #expect(config.limits.ttls["signaling"] == .seconds(7200))
        #expect(config.limits.settings["minCoordinatorsPerNetwork"] == .integer(3))
        #expect(config.jobs.map(\.interval) == [.milliseconds(500), .milliseconds(750), .seconds(15)])
        #expect(config.auth.jwtSecret == "0123456789abcdef0123456789abcdef")
        #expect(config.limits.rateLimits["announce"]?.window == .seconds(1))
        #expect(config.limits.rateLimits["announce"]?.max == 5)
        #expect(config.http.port == 3100)
    }
}
