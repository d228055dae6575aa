import DocumentStore
import Foundation
import Logging
import ServerEngine

/// `DELETE /network/:networkId/devices/:deviceId` (*added*): a device leaves its network now, instead of staying
/// online until its online window runs out (an app that signs out).
///
/// Only the device's owner may (403 otherwise); a device not announced in the network is 404. The device is marked
/// offline and `leftAt`: it disappears from `GET peers`, presence subscribers get it in a diff's `leaves`, and an open
/// signaling socket no longer keeps it online (only an announce brings it back). Its queued messages stay until
/// their TTL, and the document until its retention.
enum LeaveHandler {
    static func handle(_ context: HandlerContext, hub: SignalingHub) async throws -> HandlerResponse {
        let user = try context.requireUser()
        let networkId = try context.parameter("networkId")
        let deviceId = try context.parameter("deviceId")
        let devices = context.services.collection(RegistryCollections.devices)
        let device = try await devices.findOne(
            ["deviceId": .string(deviceId), "networkId": .string(networkId)],
            options: FindOptions(projection: ["userId": 1])
        )
        guard let device else { throw APIError(.notFound, "Device \(deviceId) is not announced in network \(networkId)") }
        guard device["userId"]?.stringValue == user.id else {
            context.logger.notice("leave refused: device owned by another user", metadata: ["deviceId": "\(deviceId)", "userId": "\(user.id)"])
            throw APIError(.forbidden, "Device \(deviceId) belongs to another user")
        }
        let now = context.services.clock.now()
        _ = try await devices.updateOne(
            ["deviceId": .string(deviceId), "networkId": .string(networkId), "userId": .string(user.id)],
            ["$set": ["isOnline": false, "leftAt": .date(now)]],
            upsert: false
        )
        hub.presence.changed(deviceId, in: networkId)
        context.logger.info("device left", metadata: ["deviceId": "\(deviceId)", "networkId": "\(networkId)", "userId": "\(user.id)"])
        return .json(value: ["success": true])
    }
}
