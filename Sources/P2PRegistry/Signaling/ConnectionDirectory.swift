import ServerConfig
import ServerEngine
import Synchronization

/// The devices connected to this process: deviceId → the socket that serves it. One socket per device:
/// registering a device that is already connected hands back the previous socket, which the caller closes.
final class ConnectionDirectory: Sendable {
    /// One connected device.
    struct Connection: Sendable {
        let connectionId: UInt64
        /// Who connected, with the networks their token grants.
        let user: AuthenticatedUser
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

    /// What registering a connection did.
    enum Registration {
        /// The device was not connected here.
        case added
        /// It replaces the device's previous connection (of the same user), which the caller closes.
        case replaced(Connection)
        /// Another user's socket serves the device (one nobody has announced): the new connection is not registered.
        case inUse
    }

    /// Registers `connection` for `deviceId`, unless another user's socket serves it.
    func register(_ deviceId: String, _ connection: Connection) -> Registration {
        connections.withLock { connections in
            if let current = connections[deviceId], current.user.id != connection.user.id { return .inUse }
            return connections.updateValue(connection, forKey: deviceId).map(Registration.replaced) ?? .added
        }
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
