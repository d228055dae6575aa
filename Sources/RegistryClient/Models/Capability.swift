/// What a device offers its network, as announced (`relay`, `store`, `coordinator`). A value the server adds later
/// decodes too.
public struct Capability: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }

    /// Relays traffic for other devices.
    public static let relay: Capability = "relay"
    /// Stores data for other devices.
    public static let store: Capability = "store"
    /// Asks to be one of the network's coordinators.
    public static let coordinator: Capability = "coordinator"
}
