/// A WebSocket close code (RFC 6455 section 7.4), as the engine and handlers send it.
///
/// ```swift
/// session.close(.policyViolation, reason: "Device belongs to another user")
/// session.close(WebSocketCloseCode(4000), reason: "replaced")
/// ```
public struct WebSocketCloseCode: Sendable, Hashable, CustomStringConvertible {
    /// The code on the wire.
    public let rawValue: UInt16

    /// A code by number (4000–4999 are the application's own).
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// 1000: the purpose of the connection is fulfilled.
    public static let normal = WebSocketCloseCode(1000)
    /// 1001: the server is going away (shutdown) or the peer stopped answering pings.
    public static let goingAway = WebSocketCloseCode(1001)
    /// 1002: the peer broke the protocol (an unmasked client frame, a bad continuation, a reserved opcode).
    public static let protocolError = WebSocketCloseCode(1002)
    /// 1007: a text message that is not valid UTF-8.
    public static let invalidData = WebSocketCloseCode(1007)
    /// 1008: a policy violation (authentication, limits).
    public static let policyViolation = WebSocketCloseCode(1008)
    /// 1009: a message larger than the protocol limit.
    public static let messageTooBig = WebSocketCloseCode(1009)
    /// 1011: the server failed unexpectedly.
    public static let internalError = WebSocketCloseCode(1011)
    /// 1013: try again later (store not ready, server full, receiving too slowly).
    public static let tryAgainLater = WebSocketCloseCode(1013)

    public var description: String { String(rawValue) }
}
