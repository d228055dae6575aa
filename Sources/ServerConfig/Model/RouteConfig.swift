/// One HTTP endpoint from routes.yaml, bound at start-up to a Swift handler by name.
///
/// ```yaml
/// routes:
///   - method: POST
///     path: /network/:networkId/announce
///     handler: announce
///     auth: jwt
///     rateLimit: announce
///     network: networkId
///     validate: { params: { networkId: { alphanumeric: true } } }
/// ```
public struct RouteConfig: Sendable, Equatable {
    /// How a route authenticates its callers.
    public enum Auth: String, Sendable, Equatable, CaseIterable {
        /// `Authorization: Bearer <JWT>` is required.
        case jwt
        /// No authentication.
        case none
    }

    /// Upper-case HTTP method: GET, POST, PUT, PATCH or DELETE.
    public var method: String
    /// Path with `:name` parameters, such as `/network/:networkId/peers`.
    public var path: String
    /// Name of the registered Swift handler.
    public var handler: String
    /// Authentication. Default `jwt`.
    public var auth: Auth
    /// Name of a rate limit in limits.yaml, or nil for none.
    public var rateLimit: String?
    /// The network the route touches, checked against the token's `networks` claim; nil when not declared (an
    /// error on a route with `auth: jwt`).
    public var network: NetworkScope?
    /// The `error` text of a 500 answer, such as the spec's `Failed to announce presence`. Default `Internal server error`.
    public var errorMessage: String
    /// Rules for path parameters.
    public var params: [FieldRule]
    /// Rules for query items.
    public var query: [FieldRule]
    /// Rules for top-level keys of a JSON body.
    public var body: [FieldRule]
    /// Where the route is written.
    public var location: SourceLocation
    /// Where individual keys (`handler`, `rateLimit`, `ttl`) are written, for diagnostics that point at the exact line.
    public var keyLocations: [String: SourceLocation] = [:]

    /// Creates a route.
    public init(
        method: String,
        path: String,
        handler: String,
        auth: Auth = .jwt,
        rateLimit: String? = nil,
        network: NetworkScope? = nil,
        errorMessage: String = "Internal server error",
        params: [FieldRule] = [],
        query: [FieldRule] = [],
        body: [FieldRule] = [],
        location: SourceLocation
    ) {
        self.method = method
        self.path = path
        self.handler = handler
        self.auth = auth
        self.rateLimit = rateLimit
        self.network = network
        self.errorMessage = errorMessage
        self.params = params
        self.query = query
        self.body = body
        self.location = location
    }

    /// The names of the path's `:name` parameters, in order.
    public var pathParameters: [String] { RoutePath.parameters(of: path) }
}

/// Helpers for route path templates.
public enum RoutePath {
    /// The `:name` parameters of a path template.
    public static func parameters(of path: String) -> [String] {
        path.split(separator: "/").compactMap { $0.first == ":" ? String($0.dropFirst()) : nil }
    }

    /// The path with every parameter name replaced by `:`, so `/a/:x` and `/a/:y` compare equal.
    public static func shape(of path: String) -> String {
        "/" + path.split(separator: "/").map { $0.first == ":" ? ":" : String($0) }.joined(separator: "/")
    }
}
