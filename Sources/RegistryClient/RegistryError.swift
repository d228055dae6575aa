/// What went wrong talking to the registry. HTTP errors carry the server's JSON `error` text (or its validation
/// entries); `status` and `retryAfter` are those of the answer.
public enum RegistryError: Error, Sendable, Hashable {
    /// `400 {"errors":[…]}`: the request broke the route's validation rules.
    case validation([ValidationIssue])
    /// `401`: no token, a bad or expired token (after the token provider was asked for a new one once).
    case unauthorized(String)
    /// `403`: another user's device, or a network the token does not grant.
    case forbidden(String)
    /// `404`: an unknown path or device.
    case notFound(String)
    /// `429`: a rate limit; `retryAfter` from the `Retry-After` header.
    case rateLimited(String, retryAfter: Duration?)
    /// `503`: the server's store is unreachable; `retryAfter` from the `Retry-After` header.
    case unavailable(String, retryAfter: Duration?)
    /// Any other error status with the server's `error` text.
    case status(Int, String)
    /// The request did not reach the server or no answer came back (connection refused, timeout).
    case transport(String)
    /// The server's answer could not be read as the documented JSON.
    case invalidResponse(String)
    /// The token provider threw.
    case tokenUnavailable(String)
    /// A message was sent on a signaling connection that has ended.
    case signalingEnded(SignalingEnd)

    /// The server's error text, when the server answered.
    public var serverMessage: String? {
        switch self {
        case .validation(let issues): return issues.map { "\($0.location) \($0.path): \($0.msg)" }.joined(separator: "; ")
        case .unauthorized(let message), .forbidden(let message), .notFound(let message), .rateLimited(let message, _),
            .unavailable(let message, _), .status(_, let message):
            return message
        case .transport, .invalidResponse, .tokenUnavailable, .signalingEnded: return nil
        }
    }
}
