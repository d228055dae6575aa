import DocumentStore
import Foundation
import Logging
import ServerEngine

/// `POST /network/:networkId/announce`: registers or refreshes a device's presence.
///
/// Fixes over the spec's sample code: a device belongs to the user who first announced it (another user's
/// announce is 403 and changes nothing, enforced atomically by the unique `deviceId` index); a token's
/// `networks` claim is honoured (routes.yaml `network: networkId`, checked by the engine); a coordinator promoted by the election is not demoted by a re-announce;
/// and the document's expiry is the retention TTL, not the online window.
enum AnnounceHandler {
    /// Handles one announce; `hub` learns a connected device's new network.
    static func handle(_ context: HandlerContext, hub: SignalingHub) async throws -> HandlerResponse {
        let user = try context.requireUser()
        let networkId = try context.parameter("networkId")
        guard let peerId = context.bodyField("peerId")?.stringValue, let signalAddress = context.bodyField("signalAddress")?.stringValue else {
            throw APIError(.badRequest, "peerId and signalAddress are required")
        }
        var capabilities: [String] = []
        for capability in context.bodyField("capabilities")?.arrayValue ?? [] {
            if let name = capability.stringValue, !capabilities.contains(name) { capabilities.append(name) }
        }
        let declaresCoordinator = capabilities.contains("coordinator")
        let now = context.services.clock.now()
        let expiresAt = now.addingTimeInterval(context.services.ttl(RegistryHandlers.TTL.deviceRetention).seconds)

        var set: Document = [
            "networkId": .string(networkId),
            "signalAddress": .string(signalAddress),
            "capabilities": .array(capabilities.map(Value.string)),
            "lastSeen": .date(now),
            "isOnline": true,
            "expiresAt": .date(expiresAt),
        ]
        var setOnInsert: Document = ["createdAt": .date(now)]
        if declaresCoordinator { set["isCoordinator"] = true } else { setOnInsert["isCoordinator"] = false }

        let devices = context.services.collection(RegistryCollections.devices)
        let before: Document?
        do {
            // Matching on the owner too: another user's device does not match, so the upsert tries to insert a
            // second document with the same deviceId, which the unique index refuses. No read-then-write race.
            before = try await devices.findOneAndUpdate(
                ["deviceId": .string(peerId), "userId": .string(user.id)],
                // A device that left (DELETE) is back.
                ["$set": .document(set), "$setOnInsert": .document(setOnInsert), "$unset": ["leftAt": ""]],
                upsert: true,
                returnDocument: .before,
                options: FindOptions()
            )
        } catch let error as StoreError where error.code == .duplicateKey {
            context.logger.notice("announce refused: device owned by another user", metadata: ["deviceId": "\(peerId)", "userId": "\(user.id)"])
            throw APIError(.forbidden, "Device \(peerId) belongs to another user")
        }
        if let before, before["isCoordinator"]?.boolValue == true, !declaresCoordinator {
            if before["networkId"]?.stringValue == networkId {
                // Promoted by the election: keep the promotion and its capability.
                _ = try await devices.updateOne(["_id": before["_id"] ?? .null], ["$addToSet": ["capabilities": "coordinator"]], upsert: false)
            } else {
                // A promotion belongs to the network it was made in.
                _ = try await devices.updateOne(["_id": before["_id"] ?? .null], ["$set": ["isCoordinator": false]], upsert: false)
            }
        }
        if before?["networkId"]?.stringValue != networkId {
            await hub.deviceAnnounced(peerId, in: networkId, by: user.id, services: context.services)
        }
        // A join, a change of its entry, or only a refresh: the presence feed reads it again and tells what changed.
        hub.presence.changed(peerId, in: networkId)
        context.logger.info(
            "device announced",
            metadata: [
                "deviceId": "\(peerId)", "networkId": "\(networkId)", "userId": "\(user.id)", "capabilities": .array(capabilities.map { "\($0)" }),
                "new": "\(before == nil)",
            ]
        )
        return success
    }

    /// The answer to every accepted announce, encoded once.
    private static let success = HandlerResponse.json(value: ["success": true])
}
