/// Why a signaling connection ended for good.
public enum SignalingEnd: Sendable, Hashable {
    /// `close()` was called.
    case closedByClient
    /// The same device connected elsewhere (`4000 replaced`): this connection must not come back.
    case replaced
    /// The server refused the connection for a reason a retry cannot fix (another user's device, a network the token
    /// does not grant, a protocol error).
    case refused(SignalingClose)
    /// The server refused a freshly provided token too.
    case authenticationFailed(SignalingClose)
}
