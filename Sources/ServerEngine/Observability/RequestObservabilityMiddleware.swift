import DocumentStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The outermost middleware of the HTTP API: gives each request an id, counts and times it, and logs one
/// `http request` event when it completes. At debug level for the engine's own `/healthz`, `/readyz`, `/metrics`, and
/// for requests that matched no route (`route="unmatched"`: 404, or 405 for a path served for other methods): anyone
/// can send those without a token, as fast as they like, and a scanner's flood must not fill the log (46k of them
/// wrote 12.9 MB in 5 s at info). `http_requests_total{route="unmatched"}` still counts every one.
///
/// - A well-formed incoming `X-Request-Id` (1–128 characters of `A-Z a-z 0-9 . _ -`) is kept; otherwise one is
///   generated. It is echoed in the response's `X-Request-Id` header and set as `requestId` in the request's
///   logger metadata, so every event logged while serving the request carries it.
/// - `http_requests_total` and `http_request_duration_seconds` are labelled with the route template, never the
///   concrete path. The log event carries the path without its query string (which may hold a token), and the
///   client address (``EngineRequestContext/clientAddress``, the forwarded one behind a trusted proxy).
struct RequestObservabilityMiddleware: RouterMiddleware {
    typealias Context = EngineRequestContext
    let metrics: EngineMetrics

    /// The `X-Request-Id` header.
    static var requestIdField: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestId = request.headers[Self.requestIdField].flatMap { Self.isWellFormed($0) ? $0 : nil } ?? Self.generate()
        var context = context
        context.logger[metadataKey: "requestId"] = "\(requestId)"
        let clock = ContinuousClock()
        let start = clock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            // Only reached by errors the JSON error middleware let through; keep their status for the metrics.
            finish(request, context: context, status: error.status.code, duration: start.duration(to: clock.now))
            throw error
        }
        response.headers[Self.requestIdField] = requestId
        finish(request, context: context, status: response.status.code, duration: start.duration(to: clock.now))
        return response
    }

    private func finish(_ request: Request, context: Context, status: Int, duration: Duration) {
        // Hummingbird renders parameters as `{name}`; routes.yaml (and the labels) spell them `:name`.
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : Self.cachedRouteTemplate($0) } ?? "unmatched"
        metrics.recordRequest(method: request.method.rawValue, route: route, status: status, duration: duration)
        let milliseconds = duration.roundedMilliseconds
        context.logger.log(
            level: status >= 500 ? .error : route == "unmatched" || HealthRoutes.reservedPaths.contains(route) ? .debug : .info,
            "http request",
            metadata: [
                "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "route": "\(route)", "status": "\(status)",
                "durationMs": "\(milliseconds)", "ip": "\(context.clientAddress ?? "")",
            ]
        )
    }

    /// The templates of the router's endpoint paths (one per declared route), rewritten once each.
    private static let templates = Mutex<[String: String]>([:])

    /// ``routeTemplate(_:)``, remembered: endpoint paths are the router's, so there are as many as routes.
    static func cachedRouteTemplate(_ endpointPath: String) -> String {
        if let known = templates.withLock({ $0[endpointPath] }) { return known }
        let template = routeTemplate(endpointPath)
        templates.withLock { cache in
            if cache.count < 4096 { cache[endpointPath] = template }
        }
        return template
    }

    /// `/network/{networkId}/peers` → `/network/:networkId/peers`. A plain scan: a regex literal here was
    /// compiled on every request (about a sixth of the server's CPU under `GET /healthz` load).
    static func routeTemplate(_ endpointPath: String) -> String {
        guard endpointPath.utf8.contains(UInt8(ascii: "{")) else { return endpointPath }
        var output = ""
        var rest = endpointPath[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            output += rest[..<open]
            output += ":"
            output += rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
        }
        output += rest
        return output
    }

    /// Whether an incoming request id may be kept: 1–128 characters of `A-Z a-z 0-9 . _ -`.
    static func isWellFormed(_ id: String) -> Bool {
        guard (1...128).contains(id.utf8.count) else { return false }
        return id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2E || byte == 0x5F
                || byte == 0x2D
        }
    }

    /// A new request id: 16 random hex digits.
    static func generate() -> String {
        let value = UInt64.random(in: 0...UInt64.max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
