import DocumentStore
import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import ServerConfig

/// An authenticated WebSocket connection, as a WebSocket handler gets it.
///
/// The engine has matched the route, authenticated the caller (a bearer token in the `Authorization`
/// header or the `token` query item; failures are closed with 1008 before the handler runs), admitted the socket
/// under the connection limits of limits.yaml, and will close the socket with 1001 on graceful shutdown.
///
/// Send through ``sendBuffer``: it never waits for a slow receiver. Check each incoming message with
/// ``admitMessage(bytes:)`` for the per-user and per-IP rates.
public struct WebSocketSession: Sendable {
    /// A process-unique id of this connection.
    public let connectionId: UInt64
    /// Path parameters by name (`:deviceId`).
    public let parameters: [String: String]
    /// The authenticated caller; nil on routes with `auth: none`.
    public let user: AuthenticatedUser?
    /// The client's IP address, when known.
    public let remoteAddress: String?
    /// Incoming frames.
    public let inbound: WebSocketInboundStream
    /// Outgoing frames, written directly (waits while the receiver is slow); prefer ``sendBuffer``.
    public let outbound: WebSocketOutboundWriter
    /// The socket's bounded outgoing buffer, written by a task of its own.
    public let sendBuffer: WebSocketSendBuffer
    /// Store, clock, configuration, logger.
    public let services: EngineServices
    /// A logger carrying the connection id.
    public let logger: Logger
    /// The process-wide accounting behind the rate limits.
    let tracker: WebSocketTracker?
    /// The connection's channel, to drop a socket that does not take its close frame.
    let channel: (any Channel)?

    /// Creates a session; the engine makes these.
    public init(
        connectionId: UInt64,
        parameters: [String: String],
        user: AuthenticatedUser?,
        remoteAddress: String?,
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter,
        sendBuffer: WebSocketSendBuffer,
        services: EngineServices,
        logger: Logger,
        tracker: WebSocketTracker? = nil,
        channel: (any Channel)? = nil
    ) {
        self.connectionId = connectionId
        self.parameters = parameters
        self.user = user
        self.remoteAddress = remoteAddress
        self.inbound = inbound
        self.outbound = outbound
        self.sendBuffer = sendBuffer
        self.services = services
        self.logger = logger
        self.tracker = tracker
        self.channel = channel
    }

    /// The largest message the handler should accept (limits.yaml `websocket.maxFrameSize`).
    public var maxMessageSize: Int { services.configuration.limits.maxFrameSize }

    /// The size past which the protocol layer closes the socket (1009): four times the message limit, at least
    /// 1 MiB, so a handler can answer a merely oversized message with an error frame.
    public var protocolMessageLimit: Int { Self.protocolLimit(forMessageLimit: maxMessageSize) }

    static func protocolLimit(forMessageLimit limit: Int) -> Int { max(limit * 4, 1 << 20) }

    /// Why an incoming message was refused by a per-user or per-IP rate.
    public struct RateRefusal: Sendable, Equatable {
        /// The limit's name in limits.yaml (`messagesPerSecondPerUser`, …), also the metric label.
        public var limit: String
        /// A message for the client's error frame.
        public var message: String
    }

    /// Counts one incoming message of `bytes` against the per-user and per-IP message and byte rates
    /// (`websocket.messagesPerSecondPerUser` …); nil when allowed. Limits are read now, so reloaded values apply.
    public func admitMessage(bytes: Int) -> RateRefusal? {
        guard let tracker else { return nil }
        let limits = services.configuration.limits.webSocket
        let now = services.clock.now()
        if let user {
            if !tracker.messageBuckets.take("u:" + user.id, cost: 1, rate: limits.messagesPerSecondPerUser, now: now) {
                return RateRefusal(
                    limit: "messagesPerSecondPerUser",
                    message: "Too many messages from this user; at most \(Self.format(limits.messagesPerSecondPerUser)) a second"
                )
            }
            if !tracker.byteBuckets.take("u:" + user.id, cost: Double(bytes), rate: Double(limits.bytesPerSecondPerUser), now: now) {
                return RateRefusal(
                    limit: "bytesPerSecondPerUser",
                    message: "Too many bytes from this user; at most \(limits.bytesPerSecondPerUser) a second"
                )
            }
        }
        if let ip = remoteAddress {
            if !tracker.messageBuckets.take("i:" + ip, cost: 1, rate: limits.messagesPerSecondPerIP, now: now) {
                return RateRefusal(
                    limit: "messagesPerSecondPerIP",
                    message: "Too many messages from this address; at most \(Self.format(limits.messagesPerSecondPerIP)) a second"
                )
            }
            if !tracker.byteBuckets.take("i:" + ip, cost: Double(bytes), rate: Double(limits.bytesPerSecondPerIP), now: now) {
                return RateRefusal(
                    limit: "bytesPerSecondPerIP",
                    message: "Too many bytes from this address; at most \(limits.bytesPerSecondPerIP) a second"
                )
            }
        }
        return nil
    }

    /// Closes the socket without waiting for the receiver: the send buffer closes (its messages go to the `unsent`
    /// hook), the close frame is queued behind what was already written, and if the client has not taken it within
    /// `forceAfter` the connection is dropped.
    public func close(_ code: WebSocketErrorCode, reason: String, forceAfter: Duration) {
        sendBuffer.close()
        let outbound = outbound
        let channel = channel
        Task { try? await outbound.close(code, reason: reason) }
        guard let channel else { return }
        let watchdog = Task {
            try? await Task.sleep(for: forceAfter)
            if channel.isActive { try? await channel.close() }
        }
        // A socket that closes in time must not stay referenced (with its buffers) until the timeout.
        channel.closeFuture.whenComplete { _ in watchdog.cancel() }
    }

    private static func format(_ rate: Double) -> String {
        rate == rate.rounded() ? String(Int(rate)) : String(rate)
    }
}

/// A WebSocket handler: one Swift function, bound by name to a route under `websockets:` in routes.yaml.
/// When it returns, the engine closes the socket normally (1000) if it is still open.
public typealias WebSocketHandler = @Sendable (WebSocketSession) async throws -> Void

/// A background task of the application, run for the server's lifetime and cancelled on shutdown.
public typealias BackgroundTask = @Sendable (EngineServices) async throws -> Void
