import DocumentStore
import Foundation
import Logging
import NIOHTTP1
import ServerConfig

/// Decides the upgrade of a signaling connection: which route of routes.yaml's `websockets:` it asks for, whether
/// the store is ready, who the caller is, and whether the connection limits admit the socket.
///
/// Every matching request is upgraded, then refused with a close code when it must be: the spec's clients expect a
/// failed authentication to be a WebSocket close with 1008, which a browser cannot tell from a network error when
/// the upgrade itself is refused with an HTTP status.
struct WebSocketHandshake: Sendable {
    /// A route of `websockets:` with its handler.
    struct Route: Sendable {
        let config: WebSocketRouteConfig
        /// The template's segments; nil stands for a `:name` parameter.
        let segments: [String?]
        let names: [String]
        let handler: WebSocketHandler
    }

    let services: EngineServices
    let routes: [Route]
    let authenticator: JWTAuthenticator?
    let tracker: WebSocketTracker

    init(
        services: EngineServices,
        handlers: [String: WebSocketHandler],
        networkGuard: NetworkGuard,
        authenticator: JWTAuthenticator?,
        tracker: WebSocketTracker
    ) throws(EngineError) {
        var routes: [Route] = []
        for route in services.configuration.webSocketRoutes {
            guard let registered = handlers[route.handler] else {
                throw EngineError(.unknownHandler, "WebSocket route \(route.path) names unknown handler '\(route.handler)'")
            }
            let handler = Self.guarding(registered, network: route.network, with: networkGuard)
            let segments = route.path.split(separator: "/").map { $0.first == ":" ? nil : String($0) }
            routes.append(Route(config: route, segments: segments, names: RoutePath.parameters(of: route.path), handler: handler))
        }
        self.services = services
        self.routes = routes
        self.authenticator = authenticator
        self.tracker = tracker
    }

    /// `handler` behind the route's network check: a token whose `networks` claim does not grant the network the
    /// route touches gets a 1008 close before the handler runs.
    private static func guarding(_ handler: @escaping WebSocketHandler, network: NetworkScope?, with networkGuard: NetworkGuard) -> WebSocketHandler {
        guard let network, network != .none else { return handler }
        return { session in
            let denial = try await networkGuard.denial(network, parameters: session.parameters, user: session.user, services: session.services)
            if let denial {
                session.logger.notice("refused: network not granted by the token", metadata: ["userId": "\(session.user?.id ?? "")"])
                session.close(.policyViolation, reason: denial)
                return nil
            }
            return try await handler(session)
        }
    }

    /// The route a request path asks for, with its percent-decoded parameters.
    func match(path: Substring) -> (Route, PathParameters)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        for route in routes where route.segments.count == parts.count {
            var values: [String] = []
            var matches = true
            for (segment, part) in zip(route.segments, parts) {
                if let segment {
                    if segment != part {
                        matches = false
                        break
                    }
                } else {
                    values.append(String(part).removingPercentEncoding ?? String(part))
                }
            }
            if matches { return (route, PathParameters(names: route.names, values: values)) }
        }
        return nil
    }

    /// True when `path` names a route of `websockets:` (a plain request to it is told to upgrade).
    func isWebSocketPath(_ path: Substring) -> Bool { match(path: path) != nil }

    /// The outcome of an upgrade request decided without waiting, on the event loop: when the store is not ready,
    /// on a route without auth, or with a token that verified before and is still valid. Nil when the token must be
    /// verified (or a failure throttled) in ``decide(route:parameters:head:connection:logger:)``.
    func decideNow(
        route: Route,
        parameters: PathParameters,
        head: HTTPRequestHead,
        connection: SignalingConnectionState,
        logger: Logger
    )
        -> WebSocketHandshakeOutcome?
    {
        guard services.readiness.isReady else { return Self.notReady }
        var user: AuthenticatedUser?
        if route.config.auth == .jwt {
            // A token that verified before passes without crypto, also from an address blocked for other tokens' failures.
            guard let authenticator, let token = Self.token(from: head), let remembered = try? authenticator.rememberedUser(token: token)
            else { return nil }
            if let ip = connection.clientAddress {
                authenticator.notePassed(ip: ip, config: services.configuration.limits.authThrottle, services: services, transport: "websocket")
            }
            user = remembered
        }
        return admit(route: route, parameters: parameters, user: user, connection: connection, logger: logger)
    }

    /// The outcome of an upgrade request for `route`, from a connection that holds `connection`'s admission.
    func decide(
        route: Route,
        parameters: PathParameters,
        head: HTTPRequestHead,
        connection: SignalingConnectionState,
        logger: Logger
    ) async -> WebSocketHandshakeOutcome {
        guard services.readiness.isReady else { return Self.notReady }
        let limits = services.configuration.limits
        let ip = connection.clientAddress
        var user: AuthenticatedUser?
        if route.config.auth == .jwt {
            guard let authenticator else {
                return .refuse(code: .internalError, reason: "Authentication is not configured", errorFrame: nil)
            }
            let token = Self.token(from: head)
            do {
                user = try await authenticator.authenticate(token: token ?? "")
            } catch {
                services.metrics.recordAuthFailure(transport: "websocket")
                logger.notice(
                    "authentication failed",
                    metadata: ["route": "\(route.config.path)", "transport": "websocket", "reason": "\(error.message)"]
                )
                // A failure from an address blocked by repeated failures is refused as such; a valid token is not.
                if let ip,
                    let retryAfter = await authenticator.throttleFailure(
                        ip: ip,
                        config: limits.authThrottle,
                        services: services,
                        transport: "websocket",
                        logger: logger
                    )
                {
                    return .refuse(code: .policyViolation, reason: "Too many failed authentications; retry in \(retryAfter) s", errorFrame: nil)
                }
                let passedOn = ["Authentication token expired", JWTAuthenticator.noExpiryMessage]
                let reason =
                    token == nil ? "Authentication required" : passedOn.contains(error.message) ? error.message : "Invalid authentication token"
                return .refuse(code: .policyViolation, reason: reason, errorFrame: nil)
            }
            if let ip { authenticator.notePassed(ip: ip, config: limits.authThrottle, services: services, transport: "websocket") }
        }
        return admit(route: route, parameters: parameters, user: user, connection: connection, logger: logger)
    }

    private static let notReady = WebSocketHandshakeOutcome.refuse(
        code: .tryAgainLater,
        reason: "Try again later: the store is not ready",
        errorFrame: nil
    )

    /// The connection limits' verdict on an authenticated upgrade.
    private func admit(
        route: Route,
        parameters: PathParameters,
        user: AuthenticatedUser?,
        connection: SignalingConnectionState,
        logger: Logger
    ) -> WebSocketHandshakeOutcome {
        let ip = connection.clientAddress
        let refusal: ConnectionAdmission.Refusal
        if let accepted = connection.refusal {
            refusal = accepted
        } else {
            let limits = services.configuration.limits.webSocket
            let now = services.clock.now()
            switch connection.place.upgradeTicket({ tracker.admission.upgrade($0, user: user?.id, limits: limits, now: now) }) {
            case .admitted:
                return .accept(handler: route.handler, parameters: parameters, user: user, route: route.config.path)
            case .refused(let refused):
                refusal = refused
            case nil:
                return .refuse(code: .goingAway, reason: "Server shutting down", errorFrame: nil)
            }
        }
        services.metrics.recordWebSocketLimitRejection(limit: refusal.limit)
        let metadata: Logger.Metadata = [
            "limit": "\(refusal.limit)", "userId": "\(user?.id ?? "")", "ip": "\(ip ?? "")", "open": "\(tracker.admission.openCount)",
        ]
        if refusal.closeCode == 1013 {
            logger.warning("socket limit reached; refusing new sockets", metadata: metadata)
        } else {
            logger.notice("connection limit exceeded", metadata: metadata)
        }
        return .refuse(
            code: WebSocketCloseCode(refusal.closeCode),
            reason: refusal.message,
            errorFrame: JSONWriter.string(["error": .string(refusal.message), "code": .string(refusal.code)])
        )
    }

    /// The path of a request target, without its query.
    static func path(of uri: String) -> Substring {
        uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    }

    /// The bearer token of an upgrade request: the `Authorization` header, else the `token` query item.
    static func token(from head: HTTPRequestHead) -> String? {
        if let header = head.headers.first(name: "authorization") { return BearerToken.parse(header).map(String.init) }
        guard let query = head.uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for item in query.split(separator: "&") {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, pair[0] == "token", !pair[1].isEmpty else { continue }
            return String(pair[1]).removingPercentEncoding ?? String(pair[1])
        }
        return nil
    }
}
