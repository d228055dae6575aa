/// Cross-origin access to the HTTP API for browser pages (routes.yaml `http.cors`, `CORS_ALLOW_ORIGINS`).
///
/// Off by default: with no allowed origin the API answers as it always did, and a browser page on another origin
/// cannot read it. An allowed origin gets `Access-Control-*` headers on every answer (errors included) and its
/// preflights answered for the routes routes.yaml declares; any other origin gets no CORS header and its preflights
/// are refused with 403. Applied by a live reload.
///
/// ```yaml
/// http:
///   cors:
///     allowOrigins: [https://app.example.com]   # or '*'; CORS_ALLOW_ORIGINS (comma-separated) replaces the list
///     maxAge: 10m
/// ```
public struct CORSConfig: Sendable, Equatable {
    /// The headers a page may read by default: the rate-limit headers, `ETag`, `Retry-After` and `X-Request-Id`.
    public static let defaultExposeHeaders = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "ETag", "Retry-After", "X-Request-Id"]
    /// The request headers a page may send by default: the bearer token, a JSON body's type and a conditional GET's tag.
    public static let defaultAllowHeaders = ["Authorization", "Content-Type", "If-None-Match"]
    /// The environment variable that replaces ``allowOrigins`` when set and not empty.
    public static let environmentVariable = "CORS_ALLOW_ORIGINS"

    /// The origins allowed, lowercased (`https://app.example.com`), or `["*"]` for every origin. Empty (the default):
    /// CORS is off.
    public var allowOrigins: [String]
    /// The request headers a page may send (`Access-Control-Allow-Headers`). Default ``defaultAllowHeaders``.
    public var allowHeaders: [String]
    /// The response headers a page may read (`Access-Control-Expose-Headers`). Default ``defaultExposeHeaders``.
    public var exposeHeaders: [String]
    /// How long a browser may cache a preflight's answer (`Access-Control-Max-Age`). Default 10m.
    public var maxAge: Duration
    /// Whether a page may send credentials (`Access-Control-Allow-Credentials: true`). Default false; never with `*`.
    public var allowCredentials: Bool
    /// True when ``allowOrigins`` came from `CORS_ALLOW_ORIGINS` rather than the file.
    public var originsFromEnvironment: Bool

    /// Creates a CORS configuration; every argument has the documented default.
    public init(
        allowOrigins: [String] = [],
        allowHeaders: [String] = CORSConfig.defaultAllowHeaders,
        exposeHeaders: [String] = CORSConfig.defaultExposeHeaders,
        maxAge: Duration = .seconds(600),
        allowCredentials: Bool = false,
        originsFromEnvironment: Bool = false
    ) {
        self.allowOrigins = allowOrigins
        self.allowHeaders = allowHeaders
        self.exposeHeaders = exposeHeaders
        self.maxAge = maxAge
        self.allowCredentials = allowCredentials
        self.originsFromEnvironment = originsFromEnvironment
    }

    /// True when any origin is allowed.
    public var isEnabled: Bool { !allowOrigins.isEmpty }

    /// True when every origin is allowed (`*`).
    public var allowsAnyOrigin: Bool { allowOrigins == ["*"] }

    /// Whether a page on `origin` (the `Origin` header as sent) may read the API.
    public func allows(origin: String) -> Bool {
        allowsAnyOrigin || allowOrigins.contains(origin.lowercased())
    }
}
