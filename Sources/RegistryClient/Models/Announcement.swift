/// The body of `POST /network/:networkId/announce`: which device is present and where it can be signaled.
public struct Announcement: Sendable, Hashable, Codable {
    /// The device id, `^peer_[a-zA-Z0-9_]+$`, at most 100 characters.
    public var peerId: String
    /// A `ws://` or `wss://` URL where other devices reach this one.
    public var signalAddress: String
    /// At most three of `relay`, `store`, `coordinator`; `nil` sends none.
    public var capabilities: [Capability]?

    public init(peerId: String, signalAddress: String, capabilities: [Capability]? = nil) {
        self.peerId = peerId
        self.signalAddress = signalAddress
        self.capabilities = capabilities
    }
}
