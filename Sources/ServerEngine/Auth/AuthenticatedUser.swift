/// The caller a valid token identifies.
public struct AuthenticatedUser: Sendable, Hashable {
    /// The user id: the token's `id` claim (as the spec's tokens carry it), else `sub`.
    public var id: String
    /// The networks the token is limited to (`networks` claim); nil means no limit.
    public var networks: Set<String>?

    /// Creates a user.
    public init(id: String, networks: Set<String>? = nil) {
        self.id = id
        self.networks = networks
    }

    /// True if the token allows this network.
    public func mayAccess(network: String) -> Bool {
        networks?.contains(network) ?? true
    }
}
