import DocumentStore
import Hummingbird
import Logging
import ServerConfig

/// The engine's own endpoints, outside routes.yaml and exempt from auth and rate limits.
enum HealthRoutes {
    /// Paths the engine reserves.
    static let reservedPaths = ["/healthz", "/readyz"]

    /// `GET /healthz`: the process is alive (always 200). `GET /readyz`: the store answers (200) or not (503).
    static func add(to router: Router<EngineRequestContext>, services: EngineServices) {
        let service = services.configuration.service
        router.get("/healthz") { _, _ in
            try HandlerResponse.json(["status": "ok", "service": service]).response
        }
        router.get("/readyz") { _, context in
            do {
                try await services.store.ping()
                return try HandlerResponse.json(["status": "ready", "service": service, "store": services.store.backendName]).response
            } catch {
                context.logger.warning("not ready", metadata: ["error": "\(error)"])
                return try HandlerResponse.json(
                    ["status": "unavailable", "service": service, "store": services.store.backendName], status: .serviceUnavailable
                ).response
            }
        }
    }
}
