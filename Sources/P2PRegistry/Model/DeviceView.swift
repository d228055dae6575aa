import DocumentStore

/// The JSON shapes the spec's endpoints return for a device document.
enum DeviceView {
    /// The stored fields `peer` lists (its defaults for missing ones are fixed, so these determine the entry).
    static let peerFields = ["userId", "deviceId", "signalAddress", "capabilities", "isCoordinator", "lastSeen"]

    /// An entry of `GET /network/:networkId/peers`: userId, deviceId, signalAddress, capabilities, isCoordinator, lastSeen.
    static func peer(_ device: Document) -> Value {
        [
            "userId": device["userId"] ?? .null,
            "deviceId": device["deviceId"] ?? .null,
            "signalAddress": device["signalAddress"] ?? .null,
            "capabilities": device["capabilities"] ?? .array([]),
            "isCoordinator": device["isCoordinator"] ?? false,
            "lastSeen": device["lastSeen"] ?? .null,
        ]
    }

    /// The online answer of `GET /network/:networkId/peer/:userId`.
    static func onlinePeer(_ device: Document) -> Value {
        [
            "online": true,
            "deviceId": device["deviceId"] ?? .null,
            "signalAddress": device["signalAddress"] ?? .null,
            "capabilities": device["capabilities"] ?? .array([]),
            "lastSeen": device["lastSeen"] ?? .null,
        ]
    }
}
