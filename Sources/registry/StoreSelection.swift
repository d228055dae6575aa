import ArgumentParser
import DocumentStore
import Logging
import MongoStore
import ServerConfig
import ServerEngine
import ServiceLifecycle

/// Picks the store from the configuration: MongoDB when `MONGODB_URI` is set, else the embedded engine.
enum StoreSelection {
    /// The store and the services it needs run alongside the server.
    struct Selected {
        var store: any DocumentDatabase
        var services: [any Service]
        var description: String
    }

    /// Creates the store, or prints why not and exits 1 (a command-line helper for `serve` and `jobs run`).
    static func makeOrExit(_ config: StoreConfig, clock: any WallClock, logger: Logger) async throws -> Selected {
        do {
            return try await make(config, clock: clock, logger: logger)
        } catch {
            ConfigLoading.printError("error: store: \(error)")
            throw ExitCode(1)
        }
    }

    /// Creates the store. A malformed URI is a configuration error (thrown); an unreachable server is not:
    /// the engine retries until it answers.
    static func make(_ config: StoreConfig, clock: any WallClock, logger: Logger) async throws -> Selected {
        if config.usesMongoDB {
            let store = try await MongoStore.connect(uri: config.uri, database: config.database, poolSize: config.poolSize, logger: logger)
            return Selected(store: store, services: [], description: "mongodb \(store.redactedURI) database=\(config.database)")
        }
        let store = MemoryStore(clock: clock, ttlMonitorInterval: config.ttlMonitorInterval)
        return Selected(store: store, services: [TTLMonitorService(store: store)], description: "embedded")
    }
}
