import DocumentStore
import Foundation
import HTTPTypes
import Logging
import ServerEngine

/// The ownership rule: a device belongs to the user who first announced (or claimed) it.
enum DeviceOwnership {
    /// Succeeds if `user` owns `deviceId`, claiming it when no one does; throws 403 if another user owns it.
    /// Atomic through the unique `deviceId` index.
    static func claim(deviceId: String, for user: AuthenticatedUser, services: EngineServices, logger: Logger) async throws {
        let devices = services.collection(RegistryCollections.devices)
        let now = services.clock.now()
        let expiresAt = now.addingTimeInterval(services.ttl(RegistryHandlers.TTL.deviceRetention).seconds)
        do {
            _ = try await devices.updateOne(
                ["deviceId": .string(deviceId), "userId": .string(user.id)],
                [
                    "$setOnInsert": [
                        "createdAt": .date(now), "isOnline": false, "isCoordinator": false, "capabilities": [], "expiresAt": .date(expiresAt),
                    ]
                ],
                upsert: true
            )
        } catch let error as StoreError where error.code == .duplicateKey {
            logger.notice("refused: device owned by another user", metadata: ["deviceId": "\(deviceId)", "userId": "\(user.id)"])
            throw APIError(.forbidden, "Device \(deviceId) belongs to another user")
        }
    }
}
