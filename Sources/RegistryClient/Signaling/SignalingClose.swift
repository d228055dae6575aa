/// How the server closed a signaling socket: the close frame's code and reason (1006 with an empty reason when the
/// connection ended without one, or could not be opened).
public struct SignalingClose: Sendable, Hashable, CustomStringConvertible {
    public var code: Int
    public var reason: String

    public init(code: Int, reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason.isEmpty ? "\(code)" : "\(code) \(reason)" }

    /// What the client does after this close.
    package enum Action: Equatable {
        /// Reconnect after the backoff's delay.
        case reconnect
        /// Ask the token provider for a new token, then reconnect.
        case refreshToken
        /// Do not reconnect.
        case stop(SignalingEnd)
    }

    /// The close codes of docs/protocol.md, read as a client must: `4000 replaced` is final, an authentication close
    /// needs a new token, a refusal that a retry cannot fix is final, everything else (server restart `1001`,
    /// `1011`, `1013`, a lost connection) is retried with backoff.
    package var action: Action {
        switch code {
        case 4000:
            return .stop(.replaced)
        case 1008:
            if Self.authenticationReasons.contains(where: reason.hasPrefix) { return .refreshToken }
            if Self.retryableRefusals.contains(where: reason.hasPrefix) { return .reconnect }
            return .stop(.refused(self))
        case 1002, 1003, 1007, 1009:
            return .stop(.refused(self))
        default:
            return .reconnect
        }
    }

    /// 1008 reasons a new token can fix.
    static let authenticationReasons = [
        "Authentication required", "Invalid authentication token", "Authentication token expired",
        "Authentication token has no expiry",
    ]
    /// 1008 reasons that pass with time: connection limits and the failed-authentication block.
    static let retryableRefusals = ["Too many open connections", "Too many connections a minute", "Too many failed authentications"]
}
