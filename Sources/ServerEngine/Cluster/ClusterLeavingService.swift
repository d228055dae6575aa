import Logging
import ServiceLifecycle

/// Marks the instance as leaving the cluster as soon as graceful shutdown begins (``ClusterBus/markLeaving()``), before
/// the sockets close: other instances stop forwarding to it, and a device that reconnects to one of them waits there
/// until this instance has handed what it still holds to the queue (``ClusterService`` removes the registration last).
struct ClusterLeavingService: Service {
    let services: EngineServices

    func run() async throws {
        try? await gracefulShutdown()
        guard services.cluster.isEnabled else { return }
        do {
            try await services.cluster.markLeaving()
            services.logger.info("leaving the cluster: other instances stop forwarding here")
        } catch {
            services.logger.warning("cannot mark this instance as leaving; others see it gone after the timeout", metadata: ["error": "\(error)"])
        }
    }
}
