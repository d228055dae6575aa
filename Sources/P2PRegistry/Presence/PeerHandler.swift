import DocumentStore
import Foundation
import ServerEngine

/// `GET /network/:networkId/peer/:userId`: a user's most recently seen online device in a network, or,
/// when none is online, when the user was last seen there and the network's coordinators seen within the
/// coordinator look-back (the spec's last-resort routing hint).
enum PeerHandler {
    static func handle(_ context: HandlerContext) async throws -> HandlerResponse {
        _ = try context.requireUser()
        let networkId = try context.parameter("networkId")
        let userId = try context.parameter("userId")
        let now = context.services.clock.now()
        let onlineSince = now.addingTimeInterval(-context.services.ttl(RegistryHandlers.TTL.deviceOnline).seconds)
        let devices = context.services.collection(RegistryCollections.devices)
        let newestFirst = FindOptions(sort: [SortKey("lastSeen", .descending)], limit: 1)
        if let device = try await devices.findOne(
            ["userId": .string(userId), "networkId": .string(networkId), "isOnline": true, "lastSeen": ["$gte": .date(onlineSince)]],
            options: newestFirst
        ) {
            return .json(value: DeviceView.onlinePeer(device))
        }
        let lastKnown = try await devices.findOne(["userId": .string(userId), "networkId": .string(networkId)], options: newestFirst)
        let lookback = now.addingTimeInterval(-context.services.ttl(RegistryHandlers.TTL.coordinatorLookback).seconds)
        let coordinators = try await devices.find(
            ["networkId": .string(networkId), "isCoordinator": true, "lastSeen": ["$gte": .date(lookback)]],
            options: FindOptions(sort: [SortKey("lastSeen", .descending)])
        )
        return .json(value: [
            "online": false,
            "lastSeen": lastKnown?["lastSeen"] ?? .null,
            "lastCoordinators": .array(coordinators.compactMap { $0["deviceId"] }),
        ])
    }
}
