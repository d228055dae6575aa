import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServerConfig
import ServiceLifecycle
import Synchronization

/// The signaling listener, on SwiftNIO channel handlers: the WebSocket routes of routes.yaml, plus `/healthz` and
/// JSON answers for plain HTTP.
///
/// A connection goes through three stages, each bounded:
/// 1. **Accept.** It takes a place under `websocket.maxConnections` and `websocket.maxConnectionsPerIP` at once. Over
///    either, it is refused: politely (upgraded, then the limit's error frame and close code) while few refusals are
///    in progress, otherwise closed at once. Refusals are counted (`websocket_limit_rejections_total`) and logged at
///    most once a second. A connection from a trusted proxy (`http.trustedProxies`) takes only the process place
///    here, and its client's per-IP place when its upgrade request names the client.
/// 2. **Handshake** (``HandshakeGuard``, NIO's HTTP/1 decoder and WebSocket upgrader, ``WebSocketHandshake``). It must
///    upgrade within `websocket.handshakeTimeout`, with a request head of at most `websocket.maxHeaderSize` (else
///    `431`), from an origin `websocket.allowedOrigins` admits (else `403`). The upgrade is decided in a short-lived
///    task: store readiness, token, per-user limits, connect rates.
/// 3. **Socket** (``WebSocketConnectionHandler``). Its state lives on its event loop: no task is parked per socket.
struct WebSocketListener: Service {
    let services: EngineServices
    let handshake: WebSocketHandshake
    let onServerRunning: @Sendable (Int) async -> Void
    /// At most this many connections over a limit are upgraded to be told why; the rest are closed at accept.
    static let refusalLaneSize = 64
    /// The handlers' shared setup (``setup(_:)``).
    private let sharedSetup = SharedSetup()
    /// Upgrades refused for their `Origin`, logged at most once a second (any page can send them).
    private let originRefusals = BoundedRateLog()

    private var tracker: WebSocketTracker { handshake.tracker }

    func run() async throws {
        let listener = services.configuration.webSocket
        let refusals = BoundedRateLog()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: Int32(clamping: listener.backlog))
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try initialize(channel, refusals: refusals)
                }
            }
            .bind(host: listener.host, port: listener.port)
            .get()
        await onServerRunning(server.localAddress?.port ?? listener.port)
        try? await withTaskCancellationOrGracefulShutdownHandler {
            try await server.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            server.close(promise: nil)
        }
    }

    /// The shared part of every socket's handler, made anew when the limits it reads change (a reload).
    private func setup(_ limits: LimitsConfig) -> WebSocketConnectionHandler.Setup {
        let protocolLimit = WebSocketSession.protocolLimit(forMessageLimit: limits.maxFrameSize)
        let pingInterval = TimeAmount(limits.pingInterval)
        return sharedSetup.withLock { shared in
            if let current = shared, current.protocolLimit == protocolLimit, current.pingInterval == pingInterval { return current }
            let made = WebSocketConnectionHandler.Setup(
                services: services,
                tracker: tracker,
                protocolLimit: protocolLimit,
                pingInterval: pingInterval
            )
            shared = made
            return made
        }
    }

    /// Sets up an accepted connection's pipeline (on its event loop).
    private func initialize(_ channel: any Channel, refusals: BoundedRateLog) throws {
        let configuration = services.configuration
        let limits = configuration.limits
        let ip = channel.remoteAddress?.ipAddress
        // A trusted proxy's connection holds no per-IP place under the proxy's address: its client's place is taken
        // once the upgrade request names the client (SignalingConnectionState.resolveClient).
        let resolver = ClientAddressResolver(configuration.clientAddress)
        let forwarding = resolver.isTrustedProxy(ip) ? resolver : nil
        let client = forwarding == nil ? resolver.clientAddress(peer: ip, xForwardedFor: [], forwarded: []) : nil
        let admission = tracker.admission
        let connection: SignalingConnectionState
        switch admission.accept(ip: client, limits: limits.webSocket) {
        case .admitted(let ticket):
            connection = SignalingConnectionState(
                peerAddress: ip,
                clientAddress: client,
                forwarding: forwarding,
                admission: admission,
                ticket: ticket,
                refusal: nil
            )
        case .refused(let refusal):
            // A refusal answered after the upgrade is counted there (once); one dropped here is counted here.
            guard admission.enterRefusalLane(limit: Self.refusalLaneSize) else {
                services.metrics.recordWebSocketLimitRejection(limit: refusal.limit)
                refusals.notice(
                    "connection refused at accept",
                    logger: services.logger,
                    metadata: ["limit": "\(refusal.limit)", "ip": "\(ip ?? "")"]
                )
                channel.close(promise: nil)
                return
            }
            connection = SignalingConnectionState(
                peerAddress: ip,
                clientAddress: client,
                forwarding: forwarding,
                admission: admission,
                ticket: nil,
                refusal: refusal
            )
        }
        // Only the small place object lives as long as the connection; the handshake's state goes with its handlers.
        let place = connection.place
        channel.closeFuture.whenComplete { _ in place.release() }

        let metrics = services.metrics
        let logger = services.logger
        let guardHandler = HandshakeGuard(
            timeout: TimeAmount(limits.webSocket.handshakeTimeout),
            maxHeaderSize: limits.webSocket.maxHeaderSize
        ) { limit in
            metrics.recordWebSocketLimitRejection(limit: limit)
            refusals.notice("connection closed before its upgrade", logger: logger, metadata: ["limit": "\(limit)", "ip": "\(ip ?? "")"])
        }
        let handshake = handshake
        let httpHandler = SignalingHTTPHandler(service: services.configuration.service, connection: connection) { path in
            handshake.isWebSocketPath(path)
        }
        let upgrader = makeUpgrader(connection: connection, setup: setup(limits))
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderFieldSize = limits.webSocket.maxHeaderSize
        decoderLimits.maxHeaderListSize = limits.webSocket.maxHeaderSize
        decoderLimits.maxHeaderFieldCount = 100
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(guardHandler)
        try pipeline.configureHTTPServerPipeline(
            withPipeliningAssistance: false,
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }),
            withErrorHandling: false,
            withOutboundHeaderValidation: true,
            withEncoderConfiguration: .init(),
            withDecoderLimitConfiguration: decoderLimits
        )
        try pipeline.addHandler(httpHandler)
    }

    /// The WebSocket upgrader of one connection: decides in a short-lived task, then installs the socket's handler.
    private func makeUpgrader(connection: SignalingConnectionState, setup: WebSocketConnectionHandler.Setup) -> SignalingUpgrader {
        let handshake = handshake
        let services = services
        let originRefusals = originRefusals
        return SignalingUpgrader(
            shouldUpgrade: { channel, head in
                let limits = services.configuration.limits.webSocket
                connection.resolveClient(head.headers, limits: limits)
                // A browser page of an origin not listed in websocket.allowedOrigins is refused before the upgrade (403).
                let origin = head.headers.first(name: "origin")
                guard limits.allows(origin: origin) else {
                    connection.forbiddenOrigin = origin
                    originRefusals.notice(
                        "signaling upgrade refused: origin not allowed",
                        logger: services.logger,
                        metadata: ["origin": "\(origin?.prefix(200) ?? "")", "ip": "\(connection.clientAddress ?? "")"]
                    )
                    return channel.eventLoop.makeSucceededFuture(nil)
                }
                let path = WebSocketHandshake.path(of: head.uri)
                guard let (route, parameters) = handshake.match(path: path) else {
                    connection.unroutedUpgrade = "\(head.method.rawValue) \(path)"
                    return channel.eventLoop.makeSucceededFuture(nil)
                }
                if let decided = handshake.decideNow(
                    route: route,
                    parameters: parameters,
                    head: head,
                    connection: connection,
                    logger: services.logger
                ) {
                    connection.record(decided)
                    return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
                }
                let promise = channel.eventLoop.makePromise(of: HTTPHeaders?.self)
                Task {
                    let decided = await handshake.decide(
                        route: route,
                        parameters: parameters,
                        head: head,
                        connection: connection,
                        logger: services.logger
                    )
                    connection.record(decided)
                    promise.succeed(HTTPHeaders())
                }
                return promise.futureResult
            },
            installSocket: { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let guardHandler = try? pipeline.handler(type: HandshakeGuard.self) { pipeline.removeHandler(guardHandler, promise: nil) }
                    if let httpHandler = try? pipeline.handler(type: SignalingHTTPHandler.self) { pipeline.removeHandler(httpHandler, promise: nil) }
                    let decided =
                        connection.takeOutcome() ?? .refuse(code: .internalError, reason: "Internal server error", errorFrame: nil)
                    let handler = WebSocketConnectionHandler(setup, remoteAddress: connection.clientAddress)
                    try pipeline.addHandler(handler)
                    handler.start(decided, context: try pipeline.context(handler: handler))
                }
            }
        )
    }
}

/// The listener's current ``WebSocketConnectionHandler/Setup``.
final class SharedSetup: Sendable {
    private let current = Mutex<WebSocketConnectionHandler.Setup?>(nil)

    func withLock<T: Sendable>(_ body: (inout WebSocketConnectionHandler.Setup?) -> T) -> T {
        current.withLock { body(&$0) }
    }
}
