import DocumentStore
import Foundation
import ServerEngine

/// The presence frames a subscriber receives (docs/protocol.md, "Presence"): peer entries exactly as
/// `GET /network/:networkId/peers` lists them (``DeviceView/peer(_:)``), `timestamp` in milliseconds since the epoch.
enum PresenceFrames {
    /// `{"type":"presence_state","networkId":…,"peers":[…],"timestamp":…}`: the network's online devices, in the order
    /// of `GET peers` (most recently seen first).
    static func state(network: String, devices: [Document], at time: Date) -> String {
        JSONWriter.string([
            "type": "presence_state",
            "networkId": .string(network),
            "peers": .array(devices.map(DeviceView.peer)),
            "timestamp": .int(SignalingFrame.milliseconds(time)),
        ])
    }

    /// `{"type":"presence_diff","networkId":…,"joins":[…],"leaves":[…],"timestamp":…}`: devices that came online or
    /// changed (their new entries), and the deviceIds of those that went offline.
    static func diff(network: String, joins: [Document], leaves: [String], at time: Date) -> String {
        JSONWriter.string([
            "type": "presence_diff",
            "networkId": .string(network),
            "joins": .array(joins.map(DeviceView.peer)),
            "leaves": .array(leaves.map(Value.string)),
            "timestamp": .int(SignalingFrame.milliseconds(time)),
        ])
    }
}
