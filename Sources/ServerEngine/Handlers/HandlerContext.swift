import DocumentStore
import Hummingbird
import Logging
import NIOCore
import ServerConfig

/// Everything an HTTP handler gets: the request, its validated parameters and JSON body, the caller,
/// the route's configuration and the shared services.
///
/// By the time a handler runs, the engine has authenticated the caller (routes with `auth: jwt`),
/// counted the request against the route's rate limit, enforced the body limit, parsed the JSON body
/// and applied the route's validation rules.
public struct HandlerContext: Sendable {
    /// The request (method, URI, headers).
    public let request: Request
    /// Path parameters by name, percent-decoded.
    public let parameters: [String: String]
    /// Query items by name (the first value of each).
    public let query: [String: String]
    /// The raw body, at most `limits.maxBodySize` bytes.
    public let body: ByteBuffer
    /// The parsed JSON body; nil when the request had no body.
    public let json: Value?
    /// The authenticated caller; nil on routes with `auth: none`.
    public let user: AuthenticatedUser?
    /// The route being served.
    public let route: RouteConfig
    /// Store, clock, configuration, logger.
    public let services: EngineServices
    /// A logger carrying the request id.
    public let logger: Logger

    /// Creates a context; the engine makes these.
    public init(
        request: Request,
        parameters: [String: String],
        query: [String: String] = [:],
        body: ByteBuffer,
        json: Value? = nil,
        user: AuthenticatedUser? = nil,
        route: RouteConfig,
        services: EngineServices,
        logger: Logger
    ) {
        self.request = request
        self.parameters = parameters
        self.query = query
        self.body = body
        self.json = json
        self.user = user
        self.route = route
        self.services = services
        self.logger = logger
    }

    /// Limits, TTLs and settings in force.
    public var limits: LimitsConfig { services.configuration.limits }

    /// A path parameter the route declares. Throws a 400 if absent, which a declared parameter never is.
    public func parameter(_ name: String) throws(APIError) -> String {
        guard let value = parameters[name] else { throw APIError(.badRequest, "Missing path parameter '\(name)'") }
        return value
    }

    /// The authenticated caller; throws a 401 on a route without auth.
    public func requireUser() throws(APIError) -> AuthenticatedUser {
        guard let user else { throw APIError(.unauthorized, "Authentication required", headers: [.wwwAuthenticate: "Bearer"]) }
        return user
    }

    /// A top-level field of the JSON body.
    public func bodyField(_ name: String) -> Value? { json?.documentValue?[name] }
}
