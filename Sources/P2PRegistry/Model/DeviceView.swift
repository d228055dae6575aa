import DocumentStore
import NIOCore
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
    package static func peersListing(_ devices: [Document]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(16 + devices.count * 224)
        buffer.writeStaticString("{\"peers\":[")
        var first = true
        for device in devices {
            if !first { buffer.writeStaticString(",") }
            first = false
            buffer.writeStaticString("{\"userId\":")
            JSONWriter.write(device["userId"] ?? .null, into: &buffer)
            buffer.writeStaticString(",\"deviceId\":")
            JSONWriter.write(device["deviceId"] ?? .null, into: &buffer)
            buffer.writeStaticString(",\"signalAddress\":")
            JSONWriter.write(device["signalAddress"] ?? .null, into: &buffer)
            buffer.writeStaticString(",\"capabilities\":")
            JSONWriter.write(device["capabilities"] ?? .array([]), into: &buffer)
            buffer.writeStaticString(",\"isCoordinator\":")
            JSONWriter.write(device["isCoordinator"] ?? false, into: &buffer)
            buffer.writeStaticString(",\"lastSeen\":")
            JSONWriter.write(device["lastSeen"] ?? .null, into: &buffer)
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString("]}")
        return buffer
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
