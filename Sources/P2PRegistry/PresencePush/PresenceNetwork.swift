import DocumentStore
import Foundation
import ServerEngine

/// One network as the presence feed of this instance sees it: its subscribers here, and the devices it last told
/// them about, so that the next batch of changes becomes a diff (joins and leaves) against that listing.
struct PresenceNetwork {
    /// A socket that subscribed to the network's presence.
    struct Subscriber: Sendable {
        /// The socket's connection (a replaced socket must not remove its successor's subscription).
        let connectionId: UInt64
        /// The socket's bounded send buffer: diffs are offered to it like any message.
        let sendBuffer: WebSocketSendBuffer
        /// Closes the socket (a subscriber too slow to take its diffs).
        let close: @Sendable (WebSocketCloseCode, String) -> Void
        /// True once its `presence_state` was sent: diffs go only to active subscribers, and always after the state.
        var active = false
    }

    /// What the subscribers were told about a listed device.
    struct Listed: Equatable {
        /// The listed fields but `lastSeen` (a refresh of `lastSeen` alone is not a change worth pushing).
        var signature: [Value]
        /// The device's `lastSeen` as last read: past the online window it is read again, and leaves if still stale.
        var lastSeen: Date
    }

    /// The subscribers on this instance, by deviceId.
    var subscribers: [String: Subscriber] = [:]
    /// The devices online in the network, as last told; nil until the first subscriber's `presence_state` was read.
    var listed: [String: Listed]?
    /// Changes seen while `listed` was being read; applied at the next batch.
    var replay: Set<String> = []

    /// The fields a device's entry compares on (``DeviceView/peerFields`` without `lastSeen`).
    static let signatureFields = DeviceView.peerFields.filter { $0 != "lastSeen" }

    /// What subscribers are told about `device`, read from the store.
    static func listed(_ device: Document) -> Listed {
        Listed(
            signature: signatureFields.map { device[$0] ?? .null },
            lastSeen: device["lastSeen"]?.dateValue ?? .distantPast
        )
    }

    /// Whether `device`, as read from the store, is online in `network` (the `GET peers` filter).
    static func isOnline(_ device: Document?, in network: String, since: Date) -> Bool {
        guard let device, device["networkId"]?.stringValue == network, device["isOnline"] == true,
            let lastSeen = device["lastSeen"]?.dateValue
        else { return false }
        return lastSeen >= since
    }

    /// Applies what the store says now about `deviceIds` (`devices` by deviceId; absent: deleted) to the listing, and
    /// returns the diff: the devices that came online or changed (their documents, newest first as `GET peers` orders
    /// them), and the deviceIds that went offline or left the network.
    mutating func apply(
        _ devices: [String: Document],
        for deviceIds: some Sequence<String>,
        network: String,
        since: Date
    ) -> (joins: [Document], leaves: [String]) {
        guard var current = listed else { return ([], []) }
        var joins: [Document] = []
        var leaves: [String] = []
        for deviceId in deviceIds {
            let device = devices[deviceId]
            if let device, Self.isOnline(device, in: network, since: since) {
                let now = Self.listed(device)
                if let before = current[deviceId], before.signature == now.signature {
                    current[deviceId] = now  // only lastSeen moved: nothing to tell
                } else {
                    current[deviceId] = now
                    joins.append(device)
                }
            } else if current.removeValue(forKey: deviceId) != nil {
                leaves.append(deviceId)
            }
        }
        listed = current
        return (PeersHandler.newestFirst(joins), leaves.sorted(by: PeersHandler.bytewiseLess))
    }
}
