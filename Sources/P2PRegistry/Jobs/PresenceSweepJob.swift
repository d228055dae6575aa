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
enum PresenceSweepJob {
    static func run(_ context: JobContext) async throws -> JobOutcome {
        let now = context.services.clock.now()
        let threshold = now.addingTimeInterval(-context.services.ttl(RegistryHandlers.TTL.deviceOnline).seconds)
        let result = try await context.services.collection(RegistryCollections.devices).updateMany(
            ["isOnline": true, "lastSeen": ["$lt": .date(threshold)]],
            ["$set": ["isOnline": false]],
            upsert: false
        )
        if result.modifiedCount > 0 {
            context.logger.info("marked devices offline", metadata: ["devices": "\(result.modifiedCount)"])
        }
        return JobOutcome(changed: result.modifiedCount, details: ["seenBefore": ISO8601Milliseconds.string(from: threshold)])
    }
}
