/// Where the client address of a request comes from (routes.yaml `http.trustedProxies` and `http.forwardedHeader`;
/// they apply to the HTTP API and the signaling listener alike).
///
/// With no trusted proxies (the default) the client address is the TCP peer's, whatever the request says. When the
/// peer lies in one of ``trustedProxies``, the address is read from ``header``, walking from the right past the
/// trusted proxies' own entries.
///
/// ```yaml
/// http:
///   trustedProxies: [127.0.0.1/32, 10.0.0.0/8, "fd00::/8"]   # or "${TRUSTED_PROXIES:-}", comma-separated
///   forwardedHeader: x-forwarded-for                        # or forwarded (RFC 7239)
/// ```
public struct ClientAddressConfig: Sendable, Equatable {
    /// The request header a trusted proxy writes the client's address into.
    public enum Header: String, Sendable, Equatable, CaseIterable {
        /// `X-Forwarded-For: client, proxy1, proxy2` (nginx's `$proxy_add_x_forwarded_for`, most load balancers). The
        /// default.
        case xForwardedFor = "x-forwarded-for"
        /// `Forwarded: for=client, for="[2001:db8::1]:4711"` (RFC 7239).
        case forwarded
    }

    /// The proxies whose forwarding header is believed. Default empty: no header is.
    public var trustedProxies: [CIDR]
    /// The header read from a trusted proxy; the other one is ignored (a client can send either through a proxy that
    /// only maintains one). Default `x-forwarded-for`.
    public var header: Header

    /// Creates a client-address configuration.
    public init(trustedProxies: [CIDR] = [], header: Header = .xForwardedFor) {
        self.trustedProxies = trustedProxies
        self.header = header
    }
}
