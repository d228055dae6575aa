import Foundation

/// An offer, answer or ICE candidate relayed to this device, live or from its queue.
public struct RelayedMessage: Sendable, Hashable, Decodable {
    /// The server's id of the message.
    public var id: String?
    public var type: SignalType
    /// The sending device (always the sender's real device: the server sets it).
    public var fromPeerId: String
    public var toPeerId: String
    /// The SDP description or ICE candidate, as the sender sent it.
    public var data: JSONValue
    /// When the server accepted the message.
    public var timestamp: Date
}
