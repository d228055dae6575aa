import Foundation

/// A signaling message taken from a device's queue by `GET /signaling/messages/:deviceId`.
public struct QueuedMessage: Sendable, Hashable, Codable {
    public var id: String?
    /// `offer`, `answer` or `ice-candidate`.
    public var type: SignalType
    /// The sending device.
    public var from: String
    /// The receiving device.
    public var to: String
    public var data: JSONValue
    /// When the server accepted the message.
    public var timestamp: Date
}
