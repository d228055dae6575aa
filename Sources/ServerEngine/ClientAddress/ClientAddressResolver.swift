import ServerConfig

/// Decides a request's client address: the TCP peer's, unless the peer is a trusted proxy (routes.yaml
/// `http.trustedProxies`), in which case the proxy's forwarding header (`http.forwardedHeader`) names it.
///
/// The header is walked from the right, the end the trusted proxies wrote: entries that are themselves trusted
/// proxies are skipped, and the first untrusted address is the client. Everything left of it was written by the
/// client (or by proxies nobody vouches for) and is never believed, so a client cannot leave its bucket by sending
/// `X-Forwarded-For: 9.9.9.9`. When every entry is a trusted proxy, the leftmost is the client. A missing or malformed
/// header, or a hop that names no address (`unknown`, an obfuscated identifier) before the client is found, gives
/// the peer's address: the proxy's bucket, never one the client chose. A peer that is not a trusted proxy is the
/// client whatever it sends.
///
/// Addresses come back in canonical text (``IPAddress/description``): `::ffff:192.0.2.7` is `192.0.2.7`.
///
/// ```swift
/// let resolver = ClientAddressResolver(ClientAddressConfig(trustedProxies: [try CIDR("10.0.0.0/8")]))
/// resolver.clientAddress(peer: "10.0.0.2", xForwardedFor: ["9.9.9.9, 203.0.113.7"], forwarded: [])  // "203.0.113.7"
/// resolver.clientAddress(peer: "198.51.100.1", xForwardedFor: ["9.9.9.9"], forwarded: [])           // "198.51.100.1"
/// ```
package struct ClientAddressResolver: Sendable {
    /// The trusted proxies and the header they write.
    package let config: ClientAddressConfig

    /// A resolver for `config`.
    package init(_ config: ClientAddressConfig) {
        self.config = config
    }

    /// True when some proxy is trusted (otherwise every client address is its peer's).
    package var trustsProxies: Bool { !config.trustedProxies.isEmpty }

    /// True when `peer` is the address of a trusted proxy.
    package func isTrustedProxy(_ peer: String?) -> Bool {
        guard trustsProxies, let address = peer.flatMap({ IPAddress($0) }) else { return false }
        return isTrusted(address)
    }

    /// The client address of a request from `peer` carrying these header lines (every line of each header, in order;
    /// only the configured header is read). Nil only when `peer` is nil (no IP transport).
    package func clientAddress(peer: String?, xForwardedFor: [String], forwarded: [String]) -> String? {
        guard let peer else { return nil }
        // The common case, on every request: no proxy is trusted and the peer is an IPv4 address as the socket gives
        // it (a dotted quad, already canonical), so there is nothing to parse.
        if config.trustedProxies.isEmpty, !peer.utf8.contains(UInt8(ascii: ":")) { return peer }
        guard let peerAddress = IPAddress(peer) else { return peer }
        guard isTrusted(peerAddress) else { return peerAddress.description }
        let hops: [IPAddress?]?
        switch config.header {
        case .xForwardedFor: hops = ForwardingHeaders.xForwardedFor(xForwardedFor)
        case .forwarded: hops = ForwardingHeaders.forwarded(forwarded)
        }
        guard let hops, !hops.isEmpty else { return peerAddress.description }
        for hop in hops.reversed() {
            guard let address = hop else { return peerAddress.description }
            if !isTrusted(address) { return address.description }
        }
        // Every hop is a trusted proxy: the first of them is as far as the chain can be followed.
        return hops.first??.description ?? peerAddress.description
    }

    private func isTrusted(_ address: IPAddress) -> Bool {
        config.trustedProxies.contains { $0.contains(address) }
    }
}
