import DocumentStore
import Foundation
import Logging
import NIOCore
import ServerConfig
import Synchronization

/// An authenticated WebSocket connection, as a WebSocket handler gets it.
///
/// The engine has matched the route, authenticated the caller (a bearer token in the `Authorization`
/// header or the `token` query item; failures are closed with 1008 before the handler runs), admitted the socket
/// under the connection limits of limits.yaml, and will close the socket with 1001 on graceful shutdown. The
/// socket's protocol state lives on its event loop: an idle socket holds no task.
///
/// Send through ``sendBuffer``: it never waits for a slow receiver. Check each incoming message with
/// ``admitMessage(bytes:)`` for the per-user and per-IP rates, and report each message a rate refused with
/// ``recordRateViolation(logger:)``: the session closes the socket past `websocket.maxRateViolations` in a row.
public final class WebSocketSession: Sendable {
    /// A process-unique id of this connection.
    public let connectionId: UInt64
    /// Path parameters by name (`:deviceId`).
    public var parameters: [String: String] { pathParameters.dictionary }
    /// The value of the path parameter `name` (`:deviceId`), without building ``parameters``.
    public func parameter(_ name: String) -> String? { pathParameters[name] }
    private let pathParameters: PathParameters
    /// The authenticated caller; nil on routes with `auth: none`.
    public let user: AuthenticatedUser?
    /// The client's IP address, when known: the peer's, or behind a trusted proxy (`http.trustedProxies`) the one
    /// the proxy forwarded. The per-IP message and byte rates count under it.
    public let remoteAddress: String?
    /// The socket's bounded outgoing buffer.
    public let sendBuffer: WebSocketSendBuffer
    /// Store, clock, configuration, logger.
    public var services: EngineServices { shared.services }
    /// A logger carrying the connection id (made on use: a stored logger with metadata costs hundreds of bytes per
    /// socket).
    public var logger: Logger {
        var logger = services.logger
        logger[metadataKey: "connection"] = "\(connectionId)"
        return logger
    }
    /// The process-wide accounting behind the rate limits.
    var tracker: WebSocketTracker? { shared.tracker }

    /// True once the server closes its sockets for a graceful shutdown.
    public var serverIsShuttingDown: Bool { tracker?.isClosing ?? false }
    /// What every socket of the listener shares (one object, not a copy of the services per socket).
    private let shared: WebSocketConnectionHandler.Setup
    /// The connection's channel; nil for a session that is not attached to a socket (tests).
    let channel: (any Channel)?
    /// Messages refused by a rate since the last one that was not (``recordRateViolation(logger:)``).
    let rateViolations = Atomic<Int>(0)

    init(
        connectionId: UInt64,
        parameters: PathParameters,
        user: AuthenticatedUser?,
        remoteAddress: String?,
        sendBuffer: WebSocketSendBuffer,
        shared: WebSocketConnectionHandler.Setup,
        channel: (any Channel)?
    ) {
        self.connectionId = connectionId
        self.pathParameters = parameters
        self.user = user
        self.remoteAddress = remoteAddress
        self.sendBuffer = sendBuffer
        self.shared = shared
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

    /// Sends a text frame that is not worth storing if it cannot be sent (an error frame): through the send buffer,
    /// dropped when the buffer is full.
    public func send(_ text: String) {
        _ = sendBuffer.offer(.init(text: text), limits: services.configuration.limits.webSocket)
    }

    /// Closes the socket without waiting for the receiver: the send buffer closes (what was waiting goes to the
    /// `unsent` hook), the close frame is written behind what the socket already took, and if the client has not
    /// answered it within `forceAfter` the connection is dropped.
    public func close(_ code: WebSocketCloseCode, reason: String, forceAfter: Duration = .seconds(10)) {
        sendBuffer.close()
        channel?.triggerUserOutboundEvent(WebSocketCloseRequest(code: code, reason: reason, forceAfter: forceAfter), promise: nil)
    }

    private static func format(_ rate: Double) -> String {
        rate == rate.rounded() ? String(Int(rate)) : String(rate)
    }
}

/// Asks a socket's connection handler to start the close handshake.
package struct WebSocketCloseRequest: Sendable {
    var code: WebSocketCloseCode
    var reason: String
    var forceAfter: Duration

    /// A request to close with `code` and `reason`, dropping the connection if the client has not answered after `forceAfter`.
    package init(code: WebSocketCloseCode, reason: String, forceAfter: Duration) {
        (self.code, self.reason, self.forceAfter) = (code, reason, forceAfter)
    }
}

/// One complete incoming message.
public enum WebSocketMessage: Sendable {
    /// A text message (valid UTF-8: anything else closed the socket with 1007).
    case text(String)
    /// A binary message of `count` bytes.
    case binary(count: Int)
}

/// What an application does with a socket's messages once its handler accepted it.
///
/// Messages are handled one at a time, in the order they arrived. When nothing is waiting, the engine first offers a
/// message to ``receiveNow(_:on:)`` on the socket's event loop, so a message that needs no waiting is handled with
/// no task and no thread hop; everything else goes to ``receive(_:on:)`` in a task that exists only while messages
/// wait (an idle socket holds none). While the receiver is behind by many messages, the engine stops reading the
/// socket (back-pressure on the client).
public protocol WebSocketReceiver: Sendable {
    /// Handles a message on the socket's event loop if it can without waiting (it must not block). The default
    /// defers every message to ``receive(_:on:)``.
    func receiveNow(_ message: WebSocketMessage, on session: WebSocketSession) -> WebSocketReceipt
    /// One complete incoming message that was not handled by ``receiveNow(_:on:)``.
    func receive(_ message: WebSocketMessage, on session: WebSocketSession) async
    /// The socket closed; called once, after the last ``receive(_:on:)`` returned.
    func closed(_ session: WebSocketSession) async
}

/// What ``WebSocketReceiver/receiveNow(_:on:)`` did with a message.
public enum WebSocketReceipt: Sendable {
    /// Handled completely.
    case handled
    /// Not handled: deliver it to ``WebSocketReceiver/receive(_:on:)`` in order.
    case deferred
    /// Partly handled: run this to finish it, before any later message of the socket.
    case continueWith(@Sendable () async -> Void)
}

extension WebSocketReceiver {
    /// Defers every message to ``receive(_:on:)``.
    public func receiveNow(_ message: WebSocketMessage, on session: WebSocketSession) -> WebSocketReceipt { .deferred }
}

/// A WebSocket handler: one Swift function, bound by name to a route under `websockets:` in routes.yaml. It runs once
/// the socket is open, in a short-lived task, and returns the receiver of the socket's messages, or nil after it
/// closed the socket (``WebSocketSession/close(_:reason:forceAfter:)``; returning nil without closing closes with 1000).
public typealias WebSocketHandler = @Sendable (WebSocketSession) async throws -> (any WebSocketReceiver)?

/// A background task of the application, run for the server's lifetime and cancelled on shutdown.
public typealias BackgroundTask = @Sendable (EngineServices) async throws -> Void
