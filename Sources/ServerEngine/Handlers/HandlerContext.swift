import Hummingbird
import Logging
import NIOCore
import ServerConfig

/// Everything an HTTP handler gets: the request, its path parameters and body, the route's configuration and the limits.
///
/// Handlers are plain functions registered by name in a `HandlerRegistry`; the engine has already applied
/// the route's body limit before calling them.
public struct HandlerContext: Sendable {
    /// The request (method, URI, headers).
    public let request: Request
    /// Path parameters by name, as declared in the route's path (`:networkId`).
    public let parameters: [String: String]
    /// The request body, at most `limits.maxBodySize` bytes.
    public let body: ByteBuffer
    /// The route being served.
    public let route: RouteConfig
    /// Limits, TTLs and settings in force.
    public let limits: LimitsConfig
    /// A logger carrying the request id.
    public let logger: Logger

    /// Creates a context; the engine makes these.
    public init(request: Request, parameters: [String: String], body: ByteBuffer, route: RouteConfig, limits: LimitsConfig, logger: Logger) {
        self.request = request
        self.parameters = parameters
        self.body = body
        self.route = route
        self.limits = limits
        self.logger = logger
    }

    /// A path parameter the route declares. Throws a 400 if absent, which a declared parameter never is.
    public func parameter(_ name: String) throws -> String {
        guard let value = parameters[name] else { throw APIError(.badRequest, "Missing path parameter '\(name)'") }
        return value
    }
}
