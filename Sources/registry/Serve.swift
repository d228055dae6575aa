import ArgumentParser
import DocumentStore
import Foundation
import Logging
import MongoStore
import ServerConfig
import ServerContract
import ServerEngine
import ServiceLifecycle

/// `registry serve`: start the HTTP API (and the signaling server) until SIGTERM or SIGINT, logging JSON lines to stdout.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the server; stops cleanly on SIGTERM or SIGINT.")

    @OptionGroup var options: ConfigOptions

    @Option(
        name: .long,
        help: """
            Serve the control socket (used by `registry jobs run`) at this path (default: $REGISTRY_CONTROL_SOCKET, else \
            $XDG_RUNTIME_DIR/registry/SERVICE-PORT.sock or /tmp/registry-UID/SERVICE-PORT.sock; none when PORT is 0).
            """
    )
    var controlSocket: String?

    @Option(name: .long, help: "Write the process id to this file at start (for `kill -HUP \"$(cat FILE)\"`); removed on exit.")
    var pidFile: String?

    func run() async throws {
        let handlers = ConfigLoading.handlers()
        guard let config = ConfigLoading.load(directory: options.configDir, handlers: handlers, printWarnings: false) else {
            throw ExitCode(1)
        }
        // JSON lines on stdout, once per process; the level comes from LOG_LEVEL (default info).
        let level = JSONLogHandler.level()
        let service = config.service
        LoggingSystem.bootstrap { _ in JSONLogHandler.standardOutput(service: service, logLevel: level) }
        let logger = {
            var logger = Logger(label: config.service)
            logger.logLevel = level
            return logger
        }()
        ConfigWarningLog.log(config.warnings, to: logger)
        let clock = SystemWallClock()
        let selected = try await StoreSelection.makeOrExit(config.store, clock: clock, logger: logger)
        let instanceId = InstanceIdentity.make()
        let engine: Engine
        do {
            engine = try await Engine(
                configuration: config,
                handlers: handlers,
                store: selected.store,
                clock: clock,
                logger: logger,
                instanceId: instanceId,
                openAPI: OpenAPIGenerator.json
            )
        } catch {
            ConfigLoading.printError("error: \(error.description)")
            throw ExitCode(1)
        }
        let pid = ProcessInfo.processInfo.processIdentifier
        let pidFile = try PIDFile.create(at: pidFile, pid: pid)
        defer { pidFile?.remove() }
        let controlPath = ControlSocketPath.resolve(explicit: controlSocket, configuration: config)
        logger.info(
            "starting",
            metadata: [
                "store": "\(selected.description)", "config": "\(config.directory)", "instance": "\(instanceId)", "pid": "\(pid)",
                "version": "\(BuildInfo.version)", "build": "\(BuildInfo.build)", "controlSocket": "\(controlPath ?? "none (PORT is 0)")",
            ]
        )
        try await engine.run(
            instanceId: instanceId,
            controlSocket: controlPath,
            additionalServices: selected.services,
            onHTTPRunning: { port in logger.info("HTTP API listening", metadata: ["host": "\(config.http.host)", "port": "\(port)"]) },
            onWebSocketRunning: { port in logger.info("signaling listening", metadata: ["host": "\(config.webSocket.host)", "port": "\(port)"]) },
            onMetricsRunning: { port in
                logger.info("metrics listening", metadata: ["host": "\(config.metrics.listener?.host ?? "")", "port": "\(port)"])
            }
        )
        try? await selected.store.shutdown()
        logger.info("stopped")
    }
}
