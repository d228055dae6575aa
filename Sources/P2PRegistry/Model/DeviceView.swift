import DocumentStore
import ServerEngine

/// The JSON shapes the spec's endpoints return for a device document.
package enum DeviceView {
    /// The stored fields `peer` and `peersListing` list (their defaults for missing ones are fixed, so these
    /// determine an entry).
    static let peerFields = ["userId", "deviceId", "signalAddress", "capabilities", "isCoordinator", "lastSeen"]

    /// An entry of `GET /network/:networkId/peers`: userId, deviceId, signalAddress, capabilities, isCoordinator, lastSeen.
    package static func peer(_ device: Document) -> Value {
        [
            "userId": device["userId"] ?? .null,
            "deviceId": device["deviceId"] ?? .null,
            "signalAddress": device["signalAddress"] ?? .null,
            "capabilities": device["capabilities"] ?? .array([]),
            "isCoordinator": device["isCoordinator"] ?? false,
            "lastSeen": device["lastSeen"] ?? .null,
        ]
    }

    /// The body of `GET /network/:networkId/peers`: `{"peers":[…]}` with each entry exactly as
    /// `JSONWriter.buffer(.document(["peers": .array(devices.map(peer))]))` renders it, written straight from the
    /// stored documents (no intermediate `Value` per device).
    package static func peersListing(_ devices: [Document]) -> HandlerBody {
        var body = HandlerBody(capacity: 16 + devices.count * 224)
        body.append("{\"peers\":[")
        var first = true
        for device in devices {
            if !first { body.append(",") }
            first = false
            body.append("{\"userId\":")
            body.append(json: device["userId"] ?? .null)
            body.append(",\"deviceId\":")
            body.append(json: device["deviceId"] ?? .null)
            body.append(",\"signalAddress\":")
            body.append(json: device["signalAddress"] ?? .null)
            body.append(",\"capabilities\":")
            body.append(json: device["capabilities"] ?? .array([]))
            body.append(",\"isCoordinator\":")
            body.append(json: device["isCoordinator"] ?? false)
            body.append(",\"lastSeen\":")
            body.append(json: device["lastSeen"] ?? .null)
            body.append("}")
        }
        body.append("]}")
        return body
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
