import DocumentStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServerConfig

/// The engine's own endpoints, outside routes.yaml and exempt from auth and rate limits.
enum HealthRoutes {
    /// Paths the engine reserves.
    static let reservedPaths = ["/healthz", "/readyz", "/metrics"]

    /// `GET /healthz`: the process is alive (always 200). `GET /readyz`: the store answers (200) or not (503); a ready
    /// answer names the configuration in force (`config.version`, `config.digest`, `config.loadedAt`); every answer names
    /// the build (`version`, `build`, see ``BuildInfo``).
    /// `GET /metrics`: this engine's metrics in the Prometheus text format (here unless `metrics.port` gives it a listener of its own).
    /// `/readyz` answers `degraded` (still 200) when the WebSocket listener is at 90% of `websocket.maxConnections` or
    /// its send buffers at 90% of `websocket.maxBufferedBytes`.
    static func add(to router: Router<EngineRequestContext>, services: EngineServices, webSockets: WebSocketTracker? = nil) {
        let service = services.configuration.service
        router.get("/healthz") { _, _ in
            HandlerResponse.json(value: ["status": "ok", "service": .string(service)]).response
        }
        let metrics = services.configuration.metrics
        if metrics.listener == nil { addMetrics(to: router, services: services, closed: metrics.isClosedOnAPIPort) }
        /// A `/readyz` answer: status, service and store, then `fields`, then the build.
        @Sendable func readiness(_ status: String, _ fields: [(String, Value)] = [], code: HTTPResponse.Status = .ok) -> Response {
            let head: [(String, Value)] = [
                ("status", .string(status)), ("service", .string(service)), ("store", .string(services.store.backendName)),
            ]
            let build: [(String, Value)] = [("version", .string(BuildInfo.version)), ("build", .string(BuildInfo.build))]
            return HandlerResponse.json(value: .document(Document(head + fields + build)), status: code).response
        }
        router.get("/readyz") { _, context in
            guard services.readiness.isReady else { return readiness("starting", code: .serviceUnavailable) }
            do {
                try await withTimeout(.seconds(2)) { try await services.store.ping() }
                let version = services.liveConfiguration.version
                let config: Value = ["version": .int(Int64(version.number)), "digest": .string(version.digest), "loadedAt": .date(version.loadedAt)]
                if let webSockets, let reason = degradation(webSockets, limits: services.configuration.limits.webSocket) {
                    return readiness("degraded", [("reason", .string(reason)), ("config", config)])
                }
                return readiness("ready", [("config", config)])
            } catch {
                context.logger.warning("not ready", metadata: ["error": "\(error)"])
                return readiness("unavailable", code: .serviceUnavailable)
            }
        }
    }

    /// Why the instance is near a global cap (90% of open sockets or buffered bytes), or nil.
    static func degradation(_ webSockets: WebSocketTracker, limits: WebSocketLimits) -> String? {
        var reasons: [String] = []
        let open = webSockets.admission.openCount
        if open * 10 >= limits.maxConnections * 9 { reasons.append("sockets \(open) of \(limits.maxConnections)") }
        let buffered = webSockets.budget.bytes
        if buffered * 10 >= limits.maxBufferedBytes * 9 { reasons.append("buffered bytes \(buffered) of \(limits.maxBufferedBytes)") }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }

    /// Why `/metrics` on the HTTP API port refuses a scrape when neither a token, a listener of its own nor
    /// `metrics.public` is configured.
    static let closedMetricsMessage =
        "Metrics are not public: set METRICS_TOKEN (metrics.token) and scrape with 'Authorization: Bearer <token>', "
        + "or set METRICS_PORT (metrics.port) to serve them on a listener of their own, "
        + "or set METRICS_PUBLIC=true (metrics.public) to serve them here to anyone"

    /// `GET /metrics`: this engine's metrics in the Prometheus text format, behind `metrics.token` when set. When
    /// `closed` (no token, no listener of its own, not public) every scrape gets a JSON 403 saying how to enable it:
    /// the path exists, access to it is what is refused, and a scraper's "403" tells the operator so where a 404
    /// would send them looking for a wrong path.
    static func addMetrics<Context: RequestContext>(to router: Router<Context>, services: EngineServices, closed: Bool = false) {
        let metricsToken = services.configuration.metrics.token
        router.get("/metrics") { request, _ in
            if closed { throw APIError(.forbidden, closedMetricsMessage) }
            if !metricsToken.isEmpty, !BearerToken.matches(request.headers[.authorization], token: metricsToken) {
                throw APIError(.unauthorized, "Metrics require a bearer token", headers: [.wwwAuthenticate: "Bearer"])
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: services.metrics.exposition()))
            )
        }
    }
}

/// Runs `operation`, failing with `CancellationError` if it takes longer than `limit` of real time: it guards real
/// I/O (the store's ping), so it does not wait on the engine's ``WallClock``, which tests stop.
func withTimeout<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw CancellationError()
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw CancellationError() }
        return result
    }
}
