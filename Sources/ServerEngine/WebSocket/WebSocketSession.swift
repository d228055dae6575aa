import HummingbirdWebSocket
import Logging
import ServerConfig

/// An authenticated WebSocket connection, as a WebSocket handler gets it.
///
/// The engine has matched the route, authenticated the caller (a bearer token in the `Authorization`
/// header or the `token` query item; failures are closed with 1008 before the handler runs) and will close
/// the socket with 1001 on graceful shutdown.
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
    /// Outgoing frames.
    public let outbound: WebSocketOutboundWriter
    /// Store, clock, configuration, logger.
    public let services: EngineServices
    /// A logger carrying the connection id.
    public let logger: Logger

    /// Creates a session; the engine makes these.
    public init(
        connectionId: UInt64,
        parameters: [String: String],
        user: AuthenticatedUser?,
        remoteAddress: String?,
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter,
        services: EngineServices,
        logger: Logger
    ) {
        self.connectionId = connectionId
        self.parameters = parameters
        self.user = user
        self.remoteAddress = remoteAddress
        self.inbound = inbound
        self.outbound = outbound
        self.services = services
        self.logger = logger
    }

    /// The largest message the handler should accept (limits.yaml `websocket.maxFrameSize`).
    public var maxMessageSize: Int { services.configuration.limits.maxFrameSize }

    /// The size past which the protocol layer closes the socket (1009): four times the message limit, at least
    /// 1 MiB, so a handler can answer a merely oversized message with an error frame.
    public var protocolMessageLimit: Int { Self.protocolLimit(forMessageLimit: maxMessageSize) }

    static func protocolLimit(forMessageLimit limit: Int) -> Int { max(limit * 4, 1 << 20) }
}

/// A WebSocket handler: one Swift function, bound by name to a route under `websockets:` in routes.yaml.
/// When it returns, the engine closes the socket normally (1000) if it is still open.
public typealias WebSocketHandler = @Sendable (WebSocketSession) async throws -> Void

/// A background task of the application, run for the server's lifetime and cancelled on shutdown.
public typealias BackgroundTask = @Sendable (EngineServices) async throws -> Void
