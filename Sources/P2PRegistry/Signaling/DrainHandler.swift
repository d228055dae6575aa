import Foundation
import DocumentStore
import Logging
import ServerEngine

/// `GET /signaling/messages/:deviceId`: returns and removes the signaling messages queued for a device.
///
/// Fixes over the spec's sample code: only the device's owner may drain it (a device nobody has announced
/// yet is claimed by the caller); each channel is read and emptied of this device's messages in one atomic
/// step, so a message queued during the drain is returned by the next drain instead of being lost, and two
/// concurrent drains never return the same message.
enum DrainHandler {
    static func handle(_ context: HandlerContext) async throws -> HandlerResponse {
        let user = try context.requireUser()
        let deviceId = try context.parameter("deviceId")
        try await DeviceOwnership.claim(deviceId: deviceId, for: user, services: context.services, logger: context.logger)

        let channels = context.services.collection(RegistryCollections.signalingChannels)
        let pending = try await channels.find(["participants": .string(deviceId), "messages.to": .string(deviceId)], options: FindOptions())
        var messages: [Document] = []
        for channel in pending {
            guard let id = channel["_id"] else { continue }
            let before = try await channels.findOneAndUpdate(
                ["_id": id, "messages.to": .string(deviceId)],
                ["$pull": ["messages": ["to": .string(deviceId)]]],
                upsert: false, returnDocument: .before, options: FindOptions()
            )
            for message in before?["messages"]?.arrayValue ?? [] {
                if let document = message.documentValue, document["to"]?.stringValue == deviceId { messages.append(document) }
            }
        }
        messages.sort { Value.compare($0["timestamp"] ?? .null, $1["timestamp"] ?? .null) < 0 }
        if !messages.isEmpty {
            context.logger.info("drained signaling messages", metadata: ["deviceId": "\(deviceId)", "count": "\(messages.count)"])
        }
        return .json(value: ["messages": .array(messages.map(SignalingMessageView.queued))])
    }
}
