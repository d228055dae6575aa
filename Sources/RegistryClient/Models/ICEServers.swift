/// The answer of `GET /network/:networkId/ice-servers` (issue 24): STUN and TURN servers with short-lived TURN
/// credentials, in the shape `RTCPeerConnection`'s `iceServers` takes.
public struct ICEServers: Sendable, Hashable, Codable {
    /// One STUN or TURN entry.
    public struct Server: Sendable, Hashable, Codable {
        public var urls: [String]
        /// For TURN: `<expiry>:<userId>`.
        public var username: String?
        /// For TURN: the base64 HMAC-SHA1 of `username`.
        public var credential: String?
    }

    public var iceServers: [Server]
    /// How long the credentials are valid, in seconds.
    public var ttl: Int
}
