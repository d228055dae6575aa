import ArgumentParser
import DocumentStore
import Logging
import ServerConfig
import ServerEngine
import ServiceLifecycle

/// `registry serve`: start the HTTP API (and the signaling server) until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the server; stops cleanly on SIGTERM or SIGINT.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let handlers = ConfigLoading.handlers()
        guard let config = ConfigLoading.load(directory: options.configDir, handlers: handlers) else {
            throw ExitCode(1)
        }
        let logger = {
            var logger = Logger(label: config.service)
            logger.logLevel = .info
            return logger
        }()
        if config.store.usesMongoDB {
            ConfigLoading.printError("error: MONGODB_URI is set, but this build serves the embedded store only (the MongoDB backend is issue 5); unset MONGODB_URI")
            throw ExitCode(1)
        }
        let clock = SystemWallClock()
        let store = MemoryStore(clock: clock, ttlMonitorInterval: config.store.ttlMonitorInterval)
        let engine: ServerEngine
        do {
            engine = try await ServerEngine(configuration: config, handlers: handlers, store: store, clock: clock, logger: logger)
        } catch {
            ConfigLoading.printError("error: \(error.description)")
            throw ExitCode(1)
        }
        logger.info("starting", metadata: ["store": "embedded", "config": "\(config.directory)"])
        let instanceId = InstanceIdentity.make()
        try await engine.run(instanceId: instanceId, additionalServices: [TTLMonitorService(store: store)]) { port in
            logger.info("HTTP API listening", metadata: ["host": "\(config.http.host)", "port": "\(port)"])
        }
        logger.info("stopped")
    }
}
