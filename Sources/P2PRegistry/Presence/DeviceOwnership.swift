import DocumentStore
import Foundation
import Logging
import ServerEngine

/// The ownership rule: a device belongs to the user who first announced it. Only an announce (rate limited,
/// limits.yaml `rateLimits.announce`) makes a user a device's owner: connecting to or draining a device nobody has
/// announced claims nothing, so no one can squat the device ids other users will announce.
enum DeviceOwnership {
    /// Whose a device is, as far as one user is concerned.
    enum Standing: Equatable {
        /// Nobody has announced the device.
        case unowned
        /// The user announced it; in this network (nil if none).
        case owned(network: String?)
    }

    /// The device's standing for `user`; throws 403 if another user owns it.
    static func check(deviceId: String, for user: AuthenticatedUser, services: EngineServices, logger: Logger) async throws -> Standing {
        let device = try await services.collection(RegistryCollections.devices).findOne(
            ["deviceId": .string(deviceId)],
            options: FindOptions(projection: ["userId": 1, "networkId": 1])
        )
        guard let device else { return .unowned }
        guard device["userId"]?.stringValue == user.id else {
            logger.notice("refused: device owned by another user", metadata: ["deviceId": "\(deviceId)", "userId": "\(user.id)"])
            throw APIError(.forbidden, "Device \(deviceId) belongs to another user")
        }
        return .owned(network: device["networkId"]?.stringValue)
    }

    /// The network `deviceId` is announced in, or nil (routes.yaml's `network: { lookup: deviceNetwork, … }`).
    static func network(of deviceId: String, services: EngineServices) async throws -> String? {
        let device = try await services.collection(RegistryCollections.devices).findOne(
            ["deviceId": .string(deviceId)],
            options: FindOptions(projection: ["networkId": 1])
        )
        return device?["networkId"]?.stringValue
    }
}
