import DocumentStore
import Logging
import ServerEngine

/// Presence across instances: the changes made on one instance are sent, once per batch, to every other live instance
/// through the cluster bus (one inbox item per instance per `presence.diffInterval`, whatever the number of changes),
/// which reads the devices again and tells its own subscribers at once: those changes were batched where they were made,
/// so a subscriber on another instance learns of a change within one interval plus an inbox poll, as one here does
/// within one interval.
extension PresenceFeed {
    /// The kind of the cluster item carrying presence changes: `body.changes` is `[{"deviceId","networkId"}]`.
    static let clusterKind = "presence"

    /// Sends this batch's changes to the other instances (nothing without cluster routing, or alone).
    func tellOtherInstances(_ changes: [String: String], services: EngineServices) async {
        let bus = services.cluster
        guard bus.isEnabled, bus.liveInstances.count > 1 else { return }
        let entries: [Value] = changes.sorted { $0.key < $1.key }.map { deviceId, networkId in
            .document(["deviceId": .string(deviceId), "networkId": networkId.isEmpty ? .null : .string(networkId)])
        }
        do {
            try await bus.broadcast(Self.clusterKind, body: ["changes": .array(entries)])
        } catch {
            services.logger.warning("cannot tell the other instances of presence changes", metadata: ["error": "\(error)"])
        }
    }

    /// Records the changes another instance sent, and pushes those that concern subscribers here without waiting for the
    /// next interval (at most one extra batch per other instance per interval).
    func received(_ item: ClusterMessage) {
        let changes = (item.body["changes"]?.arrayValue ?? []).compactMap { entry -> PresenceChange? in
            guard let document = entry.documentValue, let deviceId = document["deviceId"]?.stringValue else { return nil }
            return PresenceChange(deviceId: deviceId, networkId: document["networkId"]?.stringValue)
        }
        changed(changes, fromCluster: true)
        if hasChanges { batchNow() }
    }
}
