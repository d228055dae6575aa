/// The answer of `GET /network/:networkId/peers`, most recently seen first.
public struct PeerList: Sendable, Hashable {
    public var peers: [Peer]
    /// The listing's `ETag`, sent back as `If-None-Match` on the next request of the same network.
    public var entityTag: String?
    /// True when the server answered `304 Not Modified` and `peers` is the listing cached from before.
    public var notModified: Bool

    public init(peers: [Peer], entityTag: String?, notModified: Bool) {
        self.peers = peers
        self.entityTag = entityTag
        self.notModified = notModified
    }
}
