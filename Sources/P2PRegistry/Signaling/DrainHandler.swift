import DocumentStore
import Foundation
import Logging
import ServerEngine

/// `GET /signaling/messages/:deviceId`: returns and removes the signaling messages queued for a device.
///
/// Fixes over the spec's sample code: only the device's owner may drain it (another user's device is 403; a device
/// nobody has announced has no queue, so its drain is empty and claims nothing); the token's `networks` claim must
/// grant the device's network (routes.yaml `network: { lookup: deviceNetwork, … }`, checked by the engine); each
/// channel is read and emptied of this device's messages in one atomic step, so a message queued during the drain
/// is returned by the next drain instead of being lost, and two concurrent drains never return the same message.
enum DrainHandler {
    static func handle(_ context: HandlerContext) async throws -> HandlerResponse {
        let user = try context.requireUser()
        let deviceId = try context.parameter("deviceId")
        let standing = try await DeviceOwnership.check(deviceId: deviceId, for: user, services: context.services, logger: context.logger)
        guard standing != .unowned else { return .json(value: ["messages": []]) }

        let messages = try await SignalingQueue(services: context.services).drain(deviceId)
        RegistryMetrics.count(RegistryMetrics.drained, messages.count, on: context.services.metrics)
        if !messages.isEmpty {
            context.logger.info("drained signaling messages", metadata: ["deviceId": "\(deviceId)", "count": "\(messages.count)"])
        }
        return .json(value: ["messages": .array(messages.map(SignalingMessageView.queued))])
    }
}
