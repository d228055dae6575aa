import Foundation

/// The answer of `GET /network/:networkId/peer/:userId`: the user's device when online, else where to look for it.
public enum PeerLookup: Sendable, Hashable {
    /// The user's most recently seen online device.
    case online(deviceId: String, signalAddress: String, capabilities: [Capability], lastSeen: Date)
    /// The user is offline: when it was last seen (`nil` if never) and the network's recent coordinators.
    case offline(lastSeen: Date?, lastCoordinators: [String])
}

extension PeerLookup: Decodable {
    private enum Keys: String, CodingKey { case online, deviceId, signalAddress, capabilities, lastSeen, lastCoordinators }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        if try container.decode(Bool.self, forKey: .online) {
            self = .online(
                deviceId: try container.decode(String.self, forKey: .deviceId),
                signalAddress: try container.decode(String.self, forKey: .signalAddress),
                capabilities: try container.decode([Capability].self, forKey: .capabilities),
                lastSeen: try container.decode(Date.self, forKey: .lastSeen)
            )
        } else {
            self = .offline(
                lastSeen: try container.decodeIfPresent(Date.self, forKey: .lastSeen),
                lastCoordinators: try container.decode([String].self, forKey: .lastCoordinators)
            )
        }
    }
}
