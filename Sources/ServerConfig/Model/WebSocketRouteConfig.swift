/// A WebSocket endpoint from routes.yaml, bound to a socket handler by name.
///
/// ```yaml
/// websockets:
///   - path: ${SIGNALING_PATH:-/signaling}/:deviceId
///     handler: signaling
///     auth: jwt
///     network: { lookup: deviceNetwork, param: deviceId }
/// ```
public struct WebSocketRouteConfig: Sendable, Equatable {
    /// Path with `:name` parameters.
    public var path: String
    /// Name of the registered socket handler.
    public var handler: String
    /// Authentication: a bearer token in the `Authorization` header or the `token` query item. Default `jwt`.
    public var auth: RouteConfig.Auth
    /// The network the socket touches, checked against the token's `networks` claim before the handler runs.
    public var network: NetworkScope?
    /// Where the route is written.
    public var location: SourceLocation
    /// Where individual keys (`handler`, `rateLimit`, `ttl`) are written, for diagnostics that point at the exact line.
    public var keyLocations: [String: SourceLocation] = [:]

    /// Creates a WebSocket route.
    public init(path: String, handler: String, auth: RouteConfig.Auth = .jwt, network: NetworkScope? = nil, location: SourceLocation) {
        self.path = path
        self.handler = handler
        self.auth = auth
        self.network = network
        self.location = location
    }
}
