/// The kind of a relayed signaling message.
public struct SignalType: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }

    /// An SDP offer.
    public static let offer: SignalType = "offer"
    /// An SDP answer.
    public static let answer: SignalType = "answer"
    /// An ICE candidate (`ice-candidate` on the wire).
    public static let iceCandidate: SignalType = "ice-candidate"
}
