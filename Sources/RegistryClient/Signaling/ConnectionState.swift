/// Where a signaling connection is.
public enum ConnectionState: Sendable, Hashable {
    /// Opening the socket (`attempt` counts from 0 since the last stable connection).
    case connecting(attempt: Int)
    /// The socket is open and the server confirmed it (`session_welcome`: it did not refuse it), and the messages kept
    /// while disconnected have been sent on it.
    case connected
    /// The socket closed (`close` is `nil` when it could not be opened); the next attempt follows after `retryIn`.
    case waiting(retryIn: Duration, after: SignalingClose)
    /// The connection ended for good.
    case ended(SignalingEnd)
}
