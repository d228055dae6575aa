import DocumentStore
import Foundation

/// Device-like documents shaped as the registry stores them.
enum Device {
    static let capabilitySets: [[Value]] = [["relay"], ["store"], ["relay", "store"], [], ["relay", "coordinator"]]

    static func id(_ index: Int) -> String { "peer_device_\(index)" }

    static func network(_ index: Int) -> String { "net\(index)" }

    /// The spec's announce upsert for device `index` (network `index % 1000`, user `index / 3`).
    static func announce(_ index: Int, at now: Date) -> Update {
        let capabilities = capabilitySets[index % capabilitySets.count]
        return [
            "$set": [
                "userId": .string("user_\(index / 3)"),
                "networkId": .string(network(index % 1000)),
                "signalAddress": .string("wss://signal.example.com/\(id(index))"),
                "capabilities": .array(capabilities),
                "isCoordinator": .bool(capabilities.contains("coordinator")),
                "lastSeen": .date(now),
                "isOnline": .bool(index % 3 != 0),
                "expiresAt": .date(now.addingTimeInterval(600)),
            ],
            "$setOnInsert": [
                "deviceId": .string(id(index)),
                "createdAt": .date(now),
            ],
        ]
    }
}
