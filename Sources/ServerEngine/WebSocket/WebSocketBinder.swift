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
            let services = services, authenticator = authenticator, tracker = tracker
            router.ws(RouterPath(route.path)) { inbound, outbound, context in
                guard services.readiness.isReady else {
                    try await outbound.close(.init(codeNumber: 1013), reason: "Try again later: the store is not ready")
                    return
                }
                var parameters: [String: String] = [:]
                for name in RoutePath.parameters(of: route.path) {
                    if let value = context.requestContext.parameters.get(name) { parameters[name] = value.removingPercentEncoding ?? value }
                }
                var user: AuthenticatedUser?
                if route.auth == .jwt {
                    guard let authenticator else {
                        try await outbound.close(.unexpectedServerError, reason: "Authentication is not configured")
                        return
                    }
                    do {
                        user = try await authenticator.authenticate(token: Self.token(from: context.request) ?? "")
                    } catch let error as APIError {
                        services.metrics.recordAuthFailure(transport: "websocket")
                        context.logger.notice("authentication failed", metadata: ["route": "\(route.path)", "transport": "websocket", "reason": "\(error.message)"])
                        let reason = Self.token(from: context.request) == nil ? "Authentication required" : "Invalid authentication token"
                        try await outbound.close(.policyViolation, reason: reason)
                        return
                    }
                }
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
                let session = WebSocketSession(
                    connectionId: connectionId, parameters: parameters, user: user, remoteAddress: context.requestContext.remoteAddress,
                    inbound: inbound, outbound: outbound, services: services, logger: logger
                )
                try await handler(session)
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
