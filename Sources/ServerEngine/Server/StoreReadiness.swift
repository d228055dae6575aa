import DocumentStore
import Logging
import ServiceLifecycle
import Synchronization

/// Whether the store is ready: reachable, with every index of routes.yaml in place.
///
/// Until it is, routes answer 503 and sockets are closed with 1013: the registry's ownership rule rests
/// on the unique `deviceId` index, so nothing is written before that index exists.
public final class StoreReadiness: Sendable {
    private let ready = Atomic<Bool>(false)

    /// Creates a readiness flag, not ready.
    public init() {}

    /// True once the store answered and the indexes were created.
    public var isReady: Bool { ready.load(ordering: .acquiring) }

    /// Marks the store ready.
    public func markReady() { ready.store(true, ordering: .releasing) }
}

/// Connects the engine to its store at start-up: pings it and creates the indexes, retrying with
/// exponential backoff (0.5 s doubling to 30 s) while the store is unreachable; then waits for shutdown.
struct StoreReadinessService: Service {
    let services: EngineServices

    func run() async throws {
        var delay = Duration.milliseconds(500)
        var attempt = 1
        while !Task.isCancelled, !services.readiness.isReady {
            do {
                try await services.prepareStore()
                services.logger.info("store ready", metadata: ["store": "\(services.store.backendName)", "attempt": "\(attempt)"])
            } catch let error as StoreError where error.code == .unavailable {
                services.logger.warning(
                    "store unreachable; retrying",
                    metadata: ["error": "\(error.message)", "retryIn": "\(delay)", "attempt": "\(attempt)"]
                )
                guard await services.clock.sleepUnlessShuttingDown(for: delay) else { return }
                delay = min(delay * 2, .seconds(30))
                attempt += 1
            }
        }
        try? await gracefulShutdown()
    }
}
