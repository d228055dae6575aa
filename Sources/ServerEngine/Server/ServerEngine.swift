import HTTPTypes
import Hummingbird
import Logging
import ServerConfig
import ServiceLifecycle
import UnixSignals

/// The generic engine: binds a checked configuration to registered handlers and serves it.
///
/// It knows nothing of the application: routes, limits and jobs come from the YAML files, behaviour
/// from the handlers.
///
/// ```swift
/// let config = try ConfigLoader(directory: ".", catalog: handlers.catalog).load()
/// let engine = try ServerEngine(configuration: config, handlers: handlers, logger: logger)
/// try await engine.run()  // until SIGTERM or SIGINT
/// ```
public struct ServerEngine: Sendable {
    /// The configuration in force.
    public let configuration: ServerConfiguration
    /// The registered handlers.
    public let handlers: HandlerRegistry
    /// The root logger.
    public let logger: Logger

    /// Creates an engine, checking what the configuration checks cannot: duplicate handler names and reserved paths.
    public init(configuration: ServerConfiguration, handlers: HandlerRegistry, logger: Logger) throws(EngineError) {
        if let duplicate = handlers.duplicateNames.first {
            throw EngineError(.duplicateHandler, "handler name '\(duplicate)' is registered twice")
        }
        for route in configuration.routes where HealthRoutes.reservedPaths.contains(RoutePath.shape(of: route.path)) {
            throw EngineError(.reservedPath, "\(route.location): path \(route.path) is served by the engine itself; choose another")
        }
        self.configuration = configuration
        self.handlers = handlers
        self.logger = logger
    }

    /// The HTTP API's router: health endpoints, then every route of routes.yaml, behind the JSON error middleware.
    public func makeRouter() throws(EngineError) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        let table = RouteTable(
            routes: configuration.routes.map { ($0.method, $0.path) } + HealthRoutes.reservedPaths.map { ("GET", $0) }
        )
        router.add(middleware: JSONErrorMiddleware(routeTable: table, maxBodySize: configuration.limits.maxBodySize))
        HealthRoutes.add(to: router, service: configuration.service)
        try RouteBinder(configuration: configuration, handlers: handlers).bind(to: router)
        return router
    }

    /// The HTTP application on the configured listener.
    public func makeHTTPApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws(EngineError) -> some ApplicationProtocol {
        let listener = configuration.http
        return Application(
            router: try makeRouter(),
            configuration: ApplicationConfiguration(
                address: .hostname(listener.host, port: listener.port),
                serverName: configuration.service,
                backlog: listener.backlog
            ),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? listener.port) },
            logger: logger
        )
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully.
    public func run(onHTTPRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let http = try makeHTTPApplication(onServerRunning: onHTTPRunning)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [http],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
