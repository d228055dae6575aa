import DocumentStore
import Foundation
import Logging
import ServerConfig
import ServerEngine

/// An open signaling socket counts as presence: the devices connected to this process get their `lastSeen`
/// refreshed often enough that the presence sweep never marks them offline while connected.
enum PresenceRefresher {
    /// Marks `deviceIds` seen now (only devices announced into a network, and not left: a device that left with
    /// `DELETE /network/:networkId/devices/:deviceId` is back only when announced).
    static func refresh(_ deviceIds: [String], services: EngineServices) async throws {
        guard !deviceIds.isEmpty else { return }
        let now = services.clock.now()
        let expiresAt = now.addingTimeInterval(services.ttl(RegistryHandlers.TTL.deviceRetention).seconds)
        for start in stride(from: 0, to: deviceIds.count, by: 1000) {
            let batch = deviceIds[start..<min(start + 1000, deviceIds.count)]
            _ = try await services.collection(RegistryCollections.devices).updateMany(
                ["deviceId": ["$in": .array(batch.map(Value.string))], "networkId": ["$exists": true], "leftAt": ["$exists": false]],
                ["$set": ["lastSeen": .date(now), "isOnline": true, "expiresAt": .date(expiresAt)]],
                upsert: false
            )
        }
    }

    /// How often to refresh: the `presenceRefreshInterval` setting, but at least three times per online window.
    static func interval(_ services: EngineServices) -> Double {
        let configured = services.configuration.setting(RegistrySettings.presenceRefreshInterval).seconds
        let window = services.ttl(RegistryHandlers.TTL.deviceOnline).seconds
        return max(0.1, min(configured, window / 3))
    }

    /// The background task: refreshes the hub's connected devices every ``interval(_:)`` of the engine's clock
    /// until cancelled.
    static func run(hub: SignalingHub, services: EngineServices) async throws {
        while !Task.isCancelled {
            try await services.clock.sleep(for: .seconds(interval(services)))
            do {
                let deviceIds = hub.directory.deviceIds
                try await refresh(deviceIds, services: services)
                // A device past the online window (a long pause) is back: the presence feed reads its network's again.
                hub.presence.changed(
                    deviceIds.map { PresenceChange(deviceId: $0, networkId: hub.directory.connection(for: $0)?.network.current) }
                )
            } catch {
                services.logger.warning("presence refresh failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
