import DocumentStore
import HTTPTypes
import Hummingbird
import Logging
import ServerConfig
import ServiceLifecycle
import UnixSignals

/// The generic engine: binds a checked configuration to registered handlers and a store, and serves it.
///
/// It knows nothing of the application: routes, limits and jobs come from the YAML files, behaviour
/// from the handlers, data from the store.
///
/// ```swift
/// let config = try ConfigLoader(directory: ".", catalog: handlers.catalog).load()
/// let engine = try await ServerEngine(configuration: config, handlers: handlers, store: MemoryStore(), logger: logger)
/// try await engine.run()  // until SIGTERM or SIGINT
/// ```
public struct ServerEngine: Sendable {
    /// Store, clock, configuration and logger, as handlers see them.
    public let services: EngineServices
    /// The registered handlers.
    public let handlers: HandlerRegistry
    /// Verifies bearer tokens; nil when no secret is configured (then no route may use `auth: jwt`).
    public let authenticator: JWTAuthenticator?

    /// The configuration in force.
    public var configuration: ServerConfiguration { services.configuration }

    /// Creates an engine, checking what the configuration checks cannot: duplicate handler names, reserved
    /// paths, and a JWT secret when a route needs one.
    public init(
        configuration: ServerConfiguration,
        handlers: HandlerRegistry,
        store: any DocumentStore,
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) async throws(EngineError) {
        if let duplicate = handlers.duplicateNames.first {
            throw EngineError(.duplicateHandler, "handler name '\(duplicate)' is registered twice")
        }
        for route in configuration.routes where HealthRoutes.reservedPaths.contains(RoutePath.shape(of: route.path)) {
            throw EngineError(.reservedPath, "\(route.location): path \(route.path) is served by the engine itself; choose another")
        }
        let usesJWT = configuration.routes.contains { $0.auth == .jwt } || configuration.webSocketRoutes.contains { $0.auth == .jwt }
        if usesJWT, !configuration.auth.hasSecret {
            throw EngineError(
                .missingSetting,
                "JWT_SECRET is not set. Routes use JWT auth, so the server needs an HS256 secret: "
                    + "export JWT_SECRET=\"$(openssl rand -hex 32)\" (or set auth.jwt.secret in routes.yaml)."
            )
        }
        self.services = EngineServices(configuration: configuration, store: store, clock: clock, logger: logger)
        self.handlers = handlers
        if configuration.auth.hasSecret {
            self.authenticator = await JWTAuthenticator(secret: configuration.auth.jwtSecret, clock: clock, leeway: configuration.auth.leeway)
        } else {
            self.authenticator = nil
        }
    }

    /// The HTTP API's router: health endpoints, then every route of routes.yaml, behind the JSON error middleware.
    public func makeRouter() throws(EngineError) -> Router<EngineRequestContext> {
        let router = Router(context: EngineRequestContext.self, options: .autoGenerateHeadEndpoints)
        let table = RouteTable(
            routes: configuration.routes.map { ($0.method, $0.path) } + HealthRoutes.reservedPaths.map { ("GET", $0) }
        )
        router.add(middleware: JSONErrorMiddleware(routeTable: table, maxBodySize: configuration.limits.maxBodySize))
        HealthRoutes.add(to: router, services: services)
        let binder = RouteBinder(
            services: services, handlers: handlers, authenticator: authenticator,
            rateLimiter: RateLimiter(store: services.store, clock: services.clock)
        )
        try binder.bind(to: router)
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
            logger: services.logger
        )
    }

    /// The job scheduler for jobs.yaml.
    public func makeJobScheduler(instanceId: String) -> JobScheduler {
        JobScheduler(jobs: configuration.jobs, handlers: handlers.jobHandlers, services: services, instanceId: instanceId)
    }

    /// Creates the indexes, then serves (HTTP API and scheduled jobs) until SIGTERM or SIGINT and shuts down
    /// gracefully. `additionalServices` run alongside (for example the embedded store's TTL monitor).
    public func run(
        instanceId: String,
        additionalServices: [any Service] = [],
        onHTTPRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        try await services.createIndexes()
        let http = try makeHTTPApplication(onServerRunning: onHTTPRunning)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [http, makeJobScheduler(instanceId: instanceId)] + additionalServices,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: services.logger
            )
        )
        try await group.run()
    }
}
