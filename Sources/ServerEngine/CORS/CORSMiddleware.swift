import HTTPTypes
import Hummingbird
import ServerConfig

/// Cross-origin access for browser pages, as routes.yaml's `http.cors` says (``CORSConfig``), read per request so a
/// reload applies to the next one.
///
/// With CORS off (no allowed origin, the default) every request passes through untouched. With it on:
/// - A **preflight** (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered here and reaches no
///   route, so it needs no token and counts against no rate limit: `204` with the `Access-Control-*` headers when the
///   origin is allowed and the path is declared for the method (the methods listed are the path's own); `403` (JSON)
///   for an origin not allowed; for an allowed origin, `404` for a path no route serves and `405` with `Allow` for a
///   method the path is not served for, as the request itself would get.
/// - Any other request is served as without CORS (auth, rate limits and validation unchanged), and its answer, errors
///   included, carries `Access-Control-Allow-Origin` and `Access-Control-Expose-Headers` when its `Origin` is allowed,
///   so the page can read a 401 or a 429. An origin not allowed gets no CORS header: the browser keeps the answer from
///   the page.
/// - `Vary: Origin` is added whenever the answer depends on the origin (a list of origins rather than `*`).
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let configuration: LiveConfiguration
    let routeTable: RouteTable

    static var requestMethod: HTTPField.Name { HTTPField.Name("Access-Control-Request-Method")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let cors = configuration.current.cors
        guard cors.isEnabled else { return try await next(request, context) }
        let origin = request.headers[.origin]
        if request.method == .options, let origin, let method = request.headers[Self.requestMethod] {
            var response = preflight(origin: origin, method: method, path: request.uri.path, cors: cors)
            if !cors.allowsAnyOrigin { Self.addVaryOrigin(to: &response.headers) }
            return response
        }
        var response = try await next(request, context)
        if let origin, cors.allows(origin: origin) {
            response.headers[.accessControlAllowOrigin] = cors.allowsAnyOrigin ? "*" : origin
            if !cors.exposeHeaders.isEmpty { response.headers[.accessControlExposeHeaders] = cors.exposeHeaders.joined(separator: ", ") }
            if cors.allowCredentials { response.headers[.accessControlAllowCredentials] = "true" }
        }
        if !cors.allowsAnyOrigin { Self.addVaryOrigin(to: &response.headers) }
        return response
    }

    /// The answer to a preflight from `origin` asking for `method` on `path`.
    private func preflight(origin: String, method: String, path: String, cors: CORSConfig) -> Response {
        guard cors.allows(origin: origin) else {
            return APIError(.forbidden, "Origin \(origin) is not allowed to call this API").handlerResponse.response
        }
        let allowed = routeTable.allowedMethods(forPath: path)
        guard !allowed.isEmpty else {
            return APIError(.notFound, "Not found: \(method) \(path)").handlerResponse.response
        }
        let allow = allowed.joined(separator: ", ")
        guard allowed.contains(method) else {
            return APIError(.methodNotAllowed, "Method \(method) not allowed; use \(allow)", headers: [.allow: allow]).handlerResponse.response
        }
        var headers: HTTPFields = [
            .accessControlAllowOrigin: cors.allowsAnyOrigin ? "*" : origin,
            .accessControlAllowMethods: allow,
            .accessControlMaxAge: String(cors.maxAge.components.seconds),
        ]
        if !cors.allowHeaders.isEmpty { headers[.accessControlAllowHeaders] = cors.allowHeaders.joined(separator: ", ") }
        if cors.allowCredentials { headers[.accessControlAllowCredentials] = "true" }
        return HandlerResponse(status: .noContent, headers: headers).response
    }

    /// Adds `Origin` to the answer's `Vary`, keeping what it varies on already.
    private static func addVaryOrigin(to headers: inout HTTPFields) {
        let varies = headers[values: .vary].flatMap { $0.split(separator: ",").map { String($0.filter { $0 != " " && $0 != "\t" }).lowercased() } }
        guard !varies.contains("origin"), !varies.contains("*") else { return }
        headers.append(HTTPField(name: .vary, value: "Origin"))
    }
}
