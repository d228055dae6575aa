import Foundation

/// A device online in a network: an entry of `GET /network/:networkId/peers` (and of the presence frames).
public struct Peer: Sendable, Hashable, Codable {
    public var userId: String
    public var deviceId: String
    public var signalAddress: String
    public var capabilities: [Capability]
    public var isCoordinator: Bool
    /// When the device last announced or was connected to the signaling socket.
    public var lastSeen: Date

    public init(userId: String, deviceId: String, signalAddress: String, capabilities: [Capability], isCoordinator: Bool, lastSeen: Date) {
        self.userId = userId
        self.deviceId = deviceId
        self.signalAddress = signalAddress
        self.capabilities = capabilities
        self.isCoordinator = isCoordinator
        self.lastSeen = lastSeen
    }
}
