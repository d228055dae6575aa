/// The last listing of each network with its `ETag`, so that `peers(in:)` sends `If-None-Match` and a `304` costs no
/// body.
actor PeersCache {
    private var listings: [String: PeerList] = [:]

    /// The cached listing of `network`.
    func listing(of network: String) -> PeerList? { listings[network] }

    /// Keeps `listing` for `network` when it has a tag.
    func store(_ listing: PeerList, for network: String) {
        if listing.entityTag != nil { listings[network] = listing } else { listings[network] = nil }
    }
}
