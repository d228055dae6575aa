import HTTPTypes
import Logging
import ServerConfig
import ServerEngine
import Synchronization

/// The devices connected to this process: deviceId → the socket that serves it. One socket per device:
/// registering a device that is already connected hands back the previous socket, which the caller closes.
final class ConnectionDirectory: Sendable {
    /// One connected device.
    struct Connection: Sendable {
        let connectionId: UInt64
        /// The socket's bounded outgoing buffer: live messages are offered to it, never awaited.
        let sendBuffer: WebSocketSendBuffer
        /// Wakes the connection's queue flusher.
        let flush: QueueFlusher
        /// The device's network as last announced (a relay needs no store read per message).
        let network: NetworkMembership
        /// Closes the socket without waiting for its receiver (the session's `close(_:reason:forceAfter:)`).
        let close: @Sendable (WebSocketCloseCode, String) -> Void
    }

    private let connections = Mutex<[String: Connection]>([:])

    /// Registers `connection` for `deviceId`; returns the connection it replaces, if any.
    func register(_ deviceId: String, _ connection: Connection) -> Connection? {
        connections.withLock { $0.updateValue(connection, forKey: deviceId) }
    }

    /// Removes `deviceId` if it is still served by `connectionId` (a replaced socket must not remove its successor).
    func remove(_ deviceId: String, connectionId: UInt64) {
        connections.withLock { connections in
            if connections[deviceId]?.connectionId == connectionId { connections.removeValue(forKey: deviceId) }
        }
    }

    /// The connection serving `deviceId`, if connected here.
    func connection(for deviceId: String) -> Connection? {
        connections.withLock { $0[deviceId] }
    }

    /// The connected deviceIds.
    var deviceIds: [String] { connections.withLock { Array($0.keys) } }

    /// How many devices are connected.
    var count: Int { connections.withLock { $0.count } }
}
