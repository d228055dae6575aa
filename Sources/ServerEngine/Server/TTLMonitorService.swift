import DocumentStore
import ServiceLifecycle

/// Runs the embedded store's TTL monitor for as long as the server runs; stops on graceful shutdown.
public struct TTLMonitorService: Service {
    private let store: MemoryStore

    /// Creates the service for an embedded store.
    public init(store: MemoryStore) {
        self.store = store
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await store.runTTLMonitor()
        }
    }
}
