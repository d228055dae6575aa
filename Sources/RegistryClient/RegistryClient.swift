import Foundation
import Logging

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A client of the P2P registry: the HTTP API (announce, peers with ETag caching, peer lookup, drain, and the
/// issue 24 routes ice-servers and leave), a presence loop, and signaling connections.
///
/// ```swift
/// let client = RegistryClient(configuration: .init(apiURL: api, signalingURL: signaling), tokens: .constant(token))
/// try await client.announce(Announcement(peerId: "peer_alice_1", signalAddress: "wss://signal.example.com/peer_alice_1"), in: "net1")
/// let peers = try await client.peers(in: "net1").peers
/// let connection = client.signaling(deviceId: "peer_alice_1")
/// connection.start()
/// try await connection.send(.offer, to: peers[0].deviceId, data: ["type": "offer", "sdp": .string(sdp)])
/// for await frame in connection.frames { … }
/// ```
///
/// It keeps no global state: each client has its own URL session, token cache and ETag cache. Call `shutdown()` when
/// done with it.
public final class RegistryClient: Sendable {
    /// Where the registry is and how the client behaves.
    public struct Configuration: Sendable {
        /// The HTTP API, such as `https://api.example.com` (`http://localhost:3000` in development).
        public var apiURL: URL
        /// The signaling listener, such as `wss://signal.example.com` (`ws://localhost:8080`).
        public var signalingURL: URL
        /// The path prefix of the signaling socket (the server's `SIGNALING_PATH`).
        public var signalingPath: String
        /// How long one HTTP request may take.
        public var requestTimeout: Duration
        /// The delays between reconnection attempts of a signaling connection.
        public var reconnectBackoff: Backoff
        /// How the client waits (between announces, before reconnecting).
        public var sleeper: Sleeper
        /// How many messages a signaling connection keeps while disconnected, to send on reconnect (oldest dropped).
        public var outboxLimit: Int

        public init(
            apiURL: URL,
            signalingURL: URL,
            signalingPath: String = "/signaling",
            requestTimeout: Duration = .seconds(20),
            reconnectBackoff: Backoff = Backoff(),
            sleeper: Sleeper = .continuous,
            outboxLimit: Int = 100
        ) {
            self.apiURL = apiURL
            self.signalingURL = signalingURL
            self.signalingPath = signalingPath
            self.requestTimeout = requestTimeout
            self.reconnectBackoff = reconnectBackoff
            self.sleeper = sleeper
            self.outboxLimit = outboxLimit
        }
    }

    public let configuration: Configuration
    let logger: Logger
    let tokens: TokenCache
    private let http: HTTPRequester
    private let session: URLSession
    private let peersCache = PeersCache()
    private let announced = AnnouncedDevices()

    /// A client of the registry at `configuration`, authenticating with the tokens of `tokens`; `logger` (swift-log)
    /// receives its connection events.
    public init(configuration: Configuration, tokens: TokenProvider, logger: Logger = Logger(label: "RegistryClient")) {
        self.configuration = configuration
        self.logger = logger
        self.tokens = TokenCache(provider: tokens)
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.urlCache = nil  // the client does its own ETag caching
        sessionConfiguration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: sessionConfiguration)
        http = HTTPRequester(
            baseURL: configuration.apiURL,
            session: session,
            tokens: self.tokens,
            timeout: configuration.requestTimeout,
            logger: logger
        )
    }

    /// Releases the URL session. Signaling connections and presence loops must be stopped first.
    public func shutdown() {
        session.finishTasksAndInvalidate()
    }

    // MARK: - HTTP API

    /// `POST /network/:networkId/announce`: registers or refreshes the device's presence. Returns the route's rate
    /// limit status when the server sent one.
    @discardableResult
    public func announce(_ announcement: Announcement, in network: String) async throws -> RateLimitStatus? {
        let body = try RegistryJSON.encoder().encode(announcement)
        let reply = try await http.send("POST", "network/\(escaped(network))/announce", body: body)
        announced.record(announcement, in: network)
        guard let limit = reply.headers["ratelimit-limit"].flatMap(Int.init),
            let remaining = reply.headers["ratelimit-remaining"].flatMap(Int.init),
            let reset = reply.headers["ratelimit-reset"].flatMap(Int.init)
        else { return nil }
        return RateLimitStatus(limit: limit, remaining: remaining, resetSeconds: reset)
    }

    /// `GET /network/:networkId/peers`: the devices online in `network`. The listing is cached with its `ETag`: the
    /// next call sends `If-None-Match` and, on `304`, returns the cached listing with `notModified` set.
    public func peers(in network: String) async throws -> PeerList {
        let cached = await peersCache.listing(of: network)
        var headers: [String: String] = [:]
        if let tag = cached?.entityTag { headers["If-None-Match"] = tag }
        let reply = try await http.send("GET", "network/\(escaped(network))/peers", headers: headers)
        if reply.status == 304, var cached {
            cached.notModified = true
            return cached
        }
        struct Body: Decodable { var peers: [Peer] }
        let body = try RegistryJSON.decode(Body.self, from: reply.body, what: "GET peers")
        let listing = PeerList(peers: body.peers, entityTag: reply.headers["etag"], notModified: false)
        await peersCache.store(listing, for: network)
        return listing
    }

    /// `GET /network/:networkId/peer/:userId`: the user's online device, or when it was last seen and the network's
    /// coordinators.
    public func peer(userId: String, in network: String) async throws -> PeerLookup {
        let reply = try await http.send("GET", "network/\(escaped(network))/peer/\(escaped(userId))")
        return try RegistryJSON.decode(PeerLookup.self, from: reply.body, what: "GET peer")
    }

    /// `GET /signaling/messages/:deviceId`: takes every message queued for the device (oldest first); each is
    /// returned once, here or on the device's signaling socket.
    public func drain(deviceId: String) async throws -> [QueuedMessage] {
        struct Body: Decodable { var messages: [QueuedMessage] }
        let reply = try await http.send("GET", "signaling/messages/\(escaped(deviceId))")
        return try RegistryJSON.decode(Body.self, from: reply.body, what: "GET messages").messages
    }

    /// `GET /network/:networkId/ice-servers` (issue 24): STUN and TURN servers with short-lived TURN credentials.
    public func iceServers(in network: String) async throws -> ICEServers {
        let reply = try await http.send("GET", "network/\(escaped(network))/ice-servers")
        return try RegistryJSON.decode(ICEServers.self, from: reply.body, what: "GET ice-servers")
    }

    /// `DELETE /network/:networkId/devices/:deviceId` (issue 24): sets the device offline now; a later announce
    /// brings it back.
    public func leave(deviceId: String, in network: String) async throws {
        _ = try await http.send("DELETE", "network/\(escaped(network))/devices/\(escaped(deviceId))")
        announced.forget(deviceId)
    }

    /// The last announce of `deviceId` this client made (not followed by `leave`), which a signaling connection repeats
    /// when the server answers `not_announced`.
    func lastAnnouncement(of deviceId: String) -> (announcement: Announcement, network: String)? {
        announced.last(of: deviceId)
    }

    // MARK: - Presence and signaling

    /// A presence loop that announces `announcement` in `network` every `interval` (with jitter) until stopped.
    public func presence(
        announcing announcement: Announcement,
        in network: String,
        interval: Duration = .seconds(180),
        jitter: Double = 0.1
    ) -> PresenceLoop {
        PresenceLoop(client: self, announcement: announcement, network: network, interval: interval, jitter: jitter)
    }

    /// A signaling connection for `deviceId` (not yet open: call `start()`).
    public func signaling(deviceId: String) -> SignalingConnection {
        SignalingConnection(client: self, deviceId: deviceId)
    }

    /// The socket URL of `deviceId`.
    func signalingURL(deviceId: String) -> String {
        var base = configuration.signalingURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + configuration.signalingPath + "/" + escaped(deviceId)
    }

    private func escaped(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }
}
