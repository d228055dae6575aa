import Logging
import ServiceLifecycle

/// Runs an application background task for the server's lifetime; cancels it on graceful shutdown.
struct BackgroundTaskService: Service {
    let name: String
    let task: BackgroundTask
    let services: EngineServices

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await task(services) }
        } catch is CancellationError {
            return
        } catch {
            services.logger.error("background task failed", metadata: ["task": "\(name)", "error": "\(error)"])
            throw error
        }
        // A task with nothing (more) to do may return: the service then waits for shutdown, because a service that
        // ends early makes the group shut every other service down.
        if !Task.isShuttingDownGracefully, !Task.isCancelled {
            services.logger.debug("background task finished; waiting for shutdown", metadata: ["task": "\(name)"])
            try? await gracefulShutdown()
        }
    }
}
