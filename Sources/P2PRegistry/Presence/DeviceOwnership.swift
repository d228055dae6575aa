import DocumentStore
import Foundation
import HTTPTypes
import Logging
import ServerEngine

/// The ownership rule: a device belongs to the user who first announced (or claimed) it.
enum DeviceOwnership {
    /// Succeeds if `user` owns `deviceId`, claiming it when no one does, and returns the network the device is
    /// announced in (nil if none); throws 403 if another user owns it. Atomic through the unique `deviceId` index.
    @discardableResult
    static func claim(deviceId: String, for user: AuthenticatedUser, services: EngineServices, logger: Logger) async throws -> String? {
        let devices = services.collection(RegistryCollections.devices)
        let now = services.clock.now()
        let expiresAt = now.addingTimeInterval(services.ttl(RegistryHandlers.TTL.deviceRetention).seconds)
        do {
            let device = try await devices.findOneAndUpdate(
                ["deviceId": .string(deviceId), "userId": .string(user.id)],
                [
                    "$setOnInsert": [
                        "createdAt": .date(now), "isOnline": false, "isCoordinator": false, "capabilities": [], "expiresAt": .date(expiresAt),
                    ]
                ],
                upsert: true,
                returnDocument: .after,
                options: FindOptions(projection: ["networkId": 1])
            )
            return device?["networkId"]?.stringValue
        } catch let error as StoreError where error.code == .duplicateKey {
            logger.notice("refused: device owned by another user", metadata: ["deviceId": "\(deviceId)", "userId": "\(user.id)"])
            throw APIError(.forbidden, "Device \(deviceId) belongs to another user")
        }
    }
}
