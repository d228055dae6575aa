import HTTPTypes
import ServerEngine

/// The network-isolation rule: a token with a `networks` claim may only use those networks.
enum NetworkAccess {
    /// Throws 403 unless `user` may use `networkId`.
    static func check(_ user: AuthenticatedUser, network networkId: String) throws(APIError) {
        guard user.mayAccess(network: networkId) else {
            throw APIError(.forbidden, "Token does not grant access to network \(networkId)")
        }
    }
}
