import DocumentStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOWebSocket
import ServerConfig

/// Binds routes.yaml's `websockets:` onto the signaling listener's router.
///
/// Every matching request is upgraded, then authenticated: the spec's clients expect a failed
/// authentication to be a WebSocket close with 1008, which a refused upgrade (HTTP 400) would not be.
struct WebSocketBinder {
    let services: EngineServices
    let handlers: [String: WebSocketHandler]
    let authenticator: JWTAuthenticator?
    let tracker: WebSocketTracker

    func bind(to router: Router<EngineWebSocketContext>) throws(EngineError) {
        for route in services.configuration.webSocketRoutes {
            guard let handler = handlers[route.handler] else {
                throw EngineError(.unknownHandler, "WebSocket route \(route.path) names unknown handler '\(route.handler)'")
            }
            let services = services
            let authenticator = authenticator
            let tracker = tracker
            router.ws(RouterPath(route.path)) { inbound, outbound, context in
                context.requestContext.releaseUpgradeReference()
                guard services.readiness.isReady else {
                    try await outbound.close(.init(codeNumber: 1013), reason: "Try again later: the store is not ready")
                    return
                }
                var parameters: [String: String] = [:]
                for name in RoutePath.parameters(of: route.path) {
                    if let value = context.requestContext.parameters.get(name) { parameters[name] = value.removingPercentEncoding ?? value }
                }
                let limits = services.configuration.limits
                let ip = context.requestContext.remoteAddress
                var user: AuthenticatedUser?
                if route.auth == .jwt {
                    guard let authenticator else {
                        try await outbound.close(.unexpectedServerError, reason: "Authentication is not configured")
                        return
                    }
                    if let ip, let retryAfter = authenticator.throttle.blockedFor(ip: ip, config: limits.authThrottle, now: services.clock.now()) {
                        services.metrics.recordAuthThrottled(transport: "websocket", action: "refused")
                        context.logger.notice(
                            "authentication refused: too many failures",
                            metadata: ["ip": "\(ip)", "transport": "websocket", "retryAfter": "\(retryAfter)"]
                        )
                        try await outbound.close(.policyViolation, reason: "Too many failed authentications; retry in \(retryAfter) s")
                        return
                    }
                    do {
                        user = try await authenticator.authenticate(token: Self.token(from: context.request) ?? "")
                    } catch let error as APIError {
                        services.metrics.recordAuthFailure(transport: "websocket")
                        context.logger.notice(
                            "authentication failed",
                            metadata: ["route": "\(route.path)", "transport": "websocket", "reason": "\(error.message)"]
                        )
                        if let ip {
                            await authenticator.throttleFailure(
                                ip: ip,
                                config: limits.authThrottle,
                                services: services,
                                transport: "websocket",
                                logger: context.logger
                            )
                        }
                        let reason = Self.token(from: context.request) == nil ? "Authentication required" : "Invalid authentication token"
                        try await outbound.close(.policyViolation, reason: reason)
                        return
                    }
                }
                let ticket: ConnectionAdmission.Ticket
                switch tracker.admission.admit(user: user?.id, ip: ip, limits: limits.webSocket, now: services.clock.now()) {
                case .admitted(let admitted):
                    ticket = admitted
                case .refused(let refusal):
                    services.metrics.recordWebSocketLimitRejection(limit: refusal.limit)
                    let metadata: Logger.Metadata = [
                        "limit": "\(refusal.limit)", "userId": "\(user?.id ?? "")", "ip": "\(ip ?? "")", "open": "\(tracker.admission.openCount)",
                    ]
                    if refusal.closeCode == 1013 {
                        context.logger.warning("socket limit reached; refusing new sockets", metadata: metadata)
                    } else {
                        context.logger.notice("connection limit exceeded", metadata: metadata)
                    }
                    try? await outbound.write(.text(JSONWriter.string(["error": .string(refusal.message), "code": .string(refusal.code)])))
                    try await outbound.close(WebSocketErrorCode(codeNumber: Int(refusal.closeCode)), reason: refusal.message)
                    return
                }
                defer { tracker.admission.release(ticket) }
                guard let connectionId = tracker.register(outbound) else {
                    try await outbound.close(.goingAway, reason: "Server shutting down")
                    return
                }
                services.metrics.recordWebSocketConnections(1)
                defer {
                    tracker.unregister(connectionId)
                    services.metrics.recordWebSocketConnections(-1)
                }
                var logger = context.logger
                logger[metadataKey: "connection"] = "\(connectionId)"
                let sendBuffer = WebSocketSendBuffer(budget: tracker.budget)
                let session = WebSocketSession(
                    connectionId: connectionId,
                    parameters: parameters,
                    user: user,
                    remoteAddress: ip,
                    inbound: inbound,
                    outbound: outbound,
                    sendBuffer: sendBuffer,
                    services: services,
                    logger: logger,
                    tracker: tracker,
                    channel: context.requestContext.channel
                )
                // The send buffer's writer runs beside the handler, so the handler (and the sockets relaying to this
                // one) never wait for this receiver.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await sendBuffer.runWriter(outbound) }
                    defer {
                        sendBuffer.close()
                        group.cancelAll()
                    }
                    try await handler(session)
                }
            }
        }
    }

    /// The bearer token of an upgrade request: the `Authorization` header, else the `token` query item.
    static func token(from request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
            return nil
        }
        if let token = request.uri.queryParameters.get("token"), !token.isEmpty {
            return token.removingPercentEncoding ?? token
        }
        return nil
    }
}
