import ArgumentParser
import ServerConfig
import Logging
import ServerEngine

/// `registry serve`: start the HTTP API (and the signaling server) until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the server; stops cleanly on SIGTERM or SIGINT.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let handlers = ConfigLoading.handlers()
        guard let config = ConfigLoading.load(directory: options.configDir, handlers: handlers) else {
            throw ExitCode(1)
        }
        let usesJWT = config.routes.contains { $0.auth == .jwt } || config.webSocketRoutes.contains { $0.auth == .jwt }
        if usesJWT, !config.auth.hasSecret {
            ConfigLoading.printError(
                "error: JWT_SECRET is not set. Routes use JWT auth, so the server needs an HS256 secret: "
                    + "export JWT_SECRET=\"$(openssl rand -hex 32)\" (or set auth.jwt.secret in routes.yaml)."
            )
            throw ExitCode(1)
        }
        let logger = {
            var logger = Logger(label: config.service)
            logger.logLevel = .info
            return logger
        }()
        let engine: ServerEngine
        do {
            engine = try ServerEngine(configuration: config, handlers: handlers, logger: logger)
        } catch {
            ConfigLoading.printError("error: \(error.description)")
            throw ExitCode(1)
        }
        let store = config.store.usesMongoDB ? "mongodb \(config.store.redactedURI)" : "embedded"
        logger.info("starting", metadata: ["store": "\(store)", "config": "\(config.directory)"])
        try await engine.run { port in
            logger.info("HTTP API listening", metadata: ["host": "\(config.http.host)", "port": "\(port)"])
        }
        logger.info("stopped")
    }
}
