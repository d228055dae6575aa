import Hummingbird

/// The engine's own endpoints, outside routes.yaml and exempt from auth and rate limits.
enum HealthRoutes {
    /// Paths the engine reserves.
    static let reservedPaths = ["/healthz", "/readyz"]

    /// `GET /healthz`: the process is alive. `GET /readyz`: ready to serve.
    static func add(to router: Router<BasicRequestContext>, service: String) {
        router.get("/healthz") { _, _ in
            try HandlerResponse.json(["status": "ok", "service": service]).response
        }
        router.get("/readyz") { _, _ in
            try HandlerResponse.json(["status": "ready", "service": service]).response
        }
    }
}
