import DocumentStore
import Foundation
import Logging
import ServerEngine

/// The `presenceSweep` job (the spec's presence cleanup): devices marked online whose `lastSeen` is older
/// than the online window (`deviceOnline`, `DEVICE_TTL_MINUTES`) become `isOnline: false`.
///
/// The sweep reads only the store. A device with an open signaling socket is not swept because the signaling
/// server refreshes the `lastSeen` of its connected devices several times per online window (the
/// `presenceRefresh` background task); the sweep relies on that and does not ask the sockets. A device whose
/// socket is open on another instance is therefore kept online by that instance.
///
/// The document itself stays (it expires after `deviceRetention`), so the last-known coordinators remain
/// readable for `peer/:userId`'s fallback; `isCoordinator` is left as it is, and the election counts only
/// online coordinators.
///
/// The devices it marks offline are reported to the presence feed (``PresenceFeed``) as leaves. Subscribers usually
/// hear of them earlier: the feed itself reads a listed device again once its `lastSeen` is past the window.
enum PresenceSweepJob {
    static func run(_ context: JobContext, presence: PresenceFeed? = nil) async throws -> JobOutcome {
        let now = context.services.clock.now()
        let threshold = now.addingTimeInterval(-context.services.ttl(RegistryHandlers.TTL.deviceOnline).seconds)
        let devices = context.services.collection(RegistryCollections.devices)
        let stale: Document = ["isOnline": true, "lastSeen": ["$lt": .date(threshold)]]
        if let presence {
            // Read first: a device announced in between is not swept, and the feed finds it still online.
            let swept = try await devices.find(Filter(stale), options: FindOptions(projection: ["deviceId": 1, "networkId": 1]))
            presence.changed(
                swept.compactMap { device in
                    device["deviceId"]?.stringValue.map { PresenceChange(deviceId: $0, networkId: device["networkId"]?.stringValue) }
                }
            )
        }
        let result = try await devices.updateMany(Filter(stale), ["$set": ["isOnline": false]], upsert: false)
        if result.modifiedCount > 0 {
            context.logger.info("marked devices offline", metadata: ["devices": "\(result.modifiedCount)"])
        }
        return JobOutcome(changed: result.modifiedCount, details: ["seenBefore": ISO8601Milliseconds.string(from: threshold)])
    }
}
