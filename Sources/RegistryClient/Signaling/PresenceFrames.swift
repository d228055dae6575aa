import Foundation

/// `presence_state` (issue 24): every device online in the network when the subscription started, then after each
/// reconnect. `peers` has the entries of `GET /peers`.
public struct PresenceState: Sendable, Hashable, Decodable {
    public var networkId: String
    public var peers: [Peer]
    public var timestamp: Date
}

/// `presence_diff` (issue 24): devices that came online or changed (`joins`) and went offline (`leaves`) since the
/// last frame.
public struct PresenceDiff: Sendable, Hashable, Decodable {
    public var networkId: String
    public var joins: [Peer]
    /// Device ids.
    public var leaves: [String]
    public var timestamp: Date
}

/// `delivered` (issue 24): the server handed a message that carried an `id` to its recipient (`live`) or stored it in
/// the recipient's queue (`queued`).
public struct DeliveryReceipt: Sendable, Hashable, Decodable {
    public var id: String
    /// `live` or `queued`.
    public var delivery: String
    public var timestamp: Date
}
