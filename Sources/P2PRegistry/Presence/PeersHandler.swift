import Foundation
import DocumentStore
import Logging
import ServerEngine

/// `GET /network/:networkId/peers`: the devices of a network seen within the online window, most recent first.
enum PeersHandler {
    static func handle(_ context: HandlerContext) async throws -> HandlerResponse {
        let user = try context.requireUser()
        let networkId = try context.parameter("networkId")
        try NetworkAccess.check(user, network: networkId)
        let since = context.services.clock.now().addingTimeInterval(-context.services.ttl(RegistryHandlers.TTL.deviceOnline).seconds)
        let devices = try await context.services.collection(RegistryCollections.devices).find(
            ["networkId": .string(networkId), "isOnline": true, "lastSeen": ["$gte": .date(since)]],
            options: FindOptions(sort: [SortKey("lastSeen", .descending), SortKey("deviceId")])
        )
        return .json(value: ["peers": .array(devices.map(DeviceView.peer))])
    }
}
