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
/// let engine = try await Engine(configuration: config, handlers: handlers, store: MemoryStore(), logger: logger)
/// try await engine.run()  // until SIGTERM or SIGINT
/// ```
public struct Engine: Sendable {
    /// Store, clock, configuration and logger, as handlers see them.
    public let services: EngineServices
    /// The registered handlers.
    public let handlers: HandlerRegistry
    /// Verifies bearer tokens; nil when no secret is configured (then no route may use `auth: jwt`).
    public let authenticator: JWTAuthenticator?
    /// The OpenAPI document served at `GET /openapi.json`; nil when no generator was given or `http.openapi` is off.
    public let openAPIDocument: PublishedDocument?
    /// The open WebSockets, closed with 1001 on shutdown.
    package let webSockets = WebSocketTracker()

    /// The configuration in force.
    public var configuration: ServerConfiguration { services.configuration }

    /// Creates an engine, checking what the configuration checks cannot: duplicate handler names, reserved
    /// paths, and a JWT secret when a route needs one. With an `openAPI` generator and `http.openapi` on, the
    /// document it makes is served at `GET /openapi.json` (generated here, and again on each applied reload).
    public init(
        configuration: ServerConfiguration,
        handlers: HandlerRegistry,
        store: any DocumentDatabase,
        clock: any WallClock = SystemWallClock(),
        logger: Logger,
        instanceId: String = InstanceIdentity.make(),
        openAPI: DocumentGenerator? = nil
    ) async throws(EngineError) {
        if let duplicate = handlers.duplicateNames.first {
            throw EngineError(.duplicateHandler, "handler name '\(duplicate)' is registered twice")
        }
        let reserved = HealthRoutes.reservedPaths + [Self.openAPIPath]
        for route in configuration.routes where reserved.contains(RoutePath.shape(of: route.path)) {
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
        self.services = EngineServices(configuration: configuration, store: store, clock: clock, logger: logger, instanceId: instanceId)
        self.handlers = handlers
        if let openAPI, configuration.openAPI {
            do {
                self.openAPIDocument = try PublishedDocument(
                    path: Self.openAPIPath,
                    configuration: configuration,
                    handlers: handlers,
                    generate: openAPI
                )
            } catch {
                throw EngineError(.documentGeneration, "cannot generate the OpenAPI document: \(error)")
            }
        } else {
            self.openAPIDocument = nil
        }
        if configuration.auth.hasSecret {
            self.authenticator = await JWTAuthenticator(auth: configuration.auth, clock: clock)
        } else {
            self.authenticator = nil
        }
    }

    /// The HTTP API's router: health endpoints, then every route of routes.yaml, behind the JSON error middleware.
    public func makeRouter() throws(EngineError) -> Router<EngineRequestContext> {
        let router = Router(context: EngineRequestContext.self, options: .autoGenerateHeadEndpoints)
        let table = RouteTable(
            routes: configuration.routes.map { ($0.method, $0.path) }
                + HealthRoutes.reservedPaths.filter { $0 != "/metrics" || configuration.metrics.listener == nil }.map { ("GET", $0) }
                + (openAPIDocument.map { [("GET", $0.path)] } ?? [])
        )
        router.add(middleware: ClientAddressMiddleware(configuration: services.liveConfiguration))
        router.add(middleware: RequestObservabilityMiddleware(metrics: services.metrics))
        // Outside the JSON errors, so an error answer to an allowed origin carries the CORS headers too.
        router.add(middleware: CORSMiddleware(configuration: services.liveConfiguration, routeTable: table))
        router.add(middleware: JSONErrorMiddleware(routeTable: table, maxBodySize: bodyLimit))
        HealthRoutes.add(to: router, services: services, webSockets: webSockets)
        openAPIDocument?.add(to: router)
        let binder = RouteBinder(
            services: services,
            handlers: handlers,
            authenticator: authenticator,
            rateLimiter: services.rateLimiter
        )
        try binder.bind(to: router)
        return router
    }

    /// Where the OpenAPI document is served (`http.openapi`).
    public static let openAPIPath = "/openapi.json"

    /// The HTTP application on the configured listener.
    public func makeHTTPApplication(
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(EngineError) -> some ApplicationProtocol {
        let listener = configuration.http
        return Application(
            router: try makeRouter(),
            server: .http1(configuration: HTTPListenerLimits.channelConfiguration(configuration.limits)),
            configuration: applicationConfiguration(listener),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? listener.port) },
            logger: services.logger
        )
    }

    /// The signaling listener: the WebSocket routes of routes.yaml on SwiftNIO channel handlers, plus `/healthz` and
    /// JSON answers for plain HTTP (``WebSocketListener``).
    public func makeWebSocketListener(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws(EngineError) -> some Service {
        WebSocketListener(
            services: services,
            handshake: try WebSocketHandshake(
                services: services,
                handlers: handlers.webSocketHandlers,
                networkGuard: NetworkGuard(lookups: handlers.networkLookups),
                authenticator: authenticator,
                tracker: webSockets
            ),
            onServerRunning: onServerRunning
        )
    }

    /// The metrics listener of `metrics.port`: `GET /metrics` only (behind `metrics.token` when set); nil when
    /// `/metrics` is served on the HTTP API port.
    public func makeMetricsApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> (some ApplicationProtocol)? {
        guard let listener = configuration.metrics.listener else { return nil as Application<RouterResponder<EngineRequestContext>>? }
        let router = Router(context: EngineRequestContext.self)
        router.add(middleware: JSONErrorMiddleware(routeTable: RouteTable(routes: [("GET", "/metrics")]), maxBodySize: bodyLimit))
        HealthRoutes.addMetrics(to: router, services: services)
        return Application(
            router: router,
            configuration: applicationConfiguration(listener),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? listener.port) },
            logger: services.logger
        )
    }

    /// The body limit in force, for error messages.
    private var bodyLimit: @Sendable () -> Int {
        let live = services.liveConfiguration
        return { live.current.limits.maxBodySize }
    }

    /// Hummingbird's configuration for one of the listeners.
    private func applicationConfiguration(_ listener: ListenerConfig) -> ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(listener.host, port: listener.port), serverName: configuration.service, backlog: listener.backlog)
    }

    /// The job scheduler for jobs.yaml; it follows live reloads.
    public func makeJobScheduler(instanceId: String) -> JobScheduler {
        JobScheduler(handlers: handlers.jobHandlers, services: services, instanceId: instanceId)
    }

    /// Creates the indexes, then serves (HTTP API, signaling, scheduled jobs) until SIGTERM or SIGINT and
    /// shuts down gracefully; SIGHUP reloads limits.yaml and jobs.yaml (``reloadConfiguration(loader:)``). `additionalServices` run alongside (for example the embedded store's TTL monitor).
    /// With a `controlSocket` path, operator commands reach this instance there (``ControlClient``).
    public func run(
        instanceId: String,
        controlSocket: String? = nil,
        additionalServices: [any Service] = [],
        onHTTPRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onWebSocketRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onMetricsRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        // SIGHUP reloads limits.yaml and jobs.yaml; trapped before anything starts.
        let reloads = await ConfigReloadService(engine: self)
        let group = try makeServiceGroup(
            instanceId: instanceId,
            controlSocket: controlSocket,
            additionalServices: additionalServices + [reloads],
            onHTTPRunning: onHTTPRunning,
            onWebSocketRunning: onWebSocketRunning,
            onMetricsRunning: onMetricsRunning,
            gracefulShutdownSignals: [.sigterm, .sigint]
        )
        try await group.run()
    }

    /// The service group `run` runs, for embedding and tests: run it, and end it with
    /// `triggerGracefulShutdown()`. It connects the store (retrying while unreachable) before routes answer. With a
    /// `controlSocket` path, a control socket there runs jobs on request through this group's scheduler.
    public func makeServiceGroup(
        instanceId: String,
        controlSocket: String? = nil,
        additionalServices: [any Service] = [],
        onHTTPRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onWebSocketRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onMetricsRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        gracefulShutdownSignals: [UnixSignal] = []
    ) throws -> ServiceGroup {
        var listeners: [any Service] = [try makeHTTPApplication(onServerRunning: onHTTPRunning)]
        if !configuration.webSocketRoutes.isEmpty {
            listeners.append(try makeWebSocketListener(onServerRunning: onWebSocketRunning))
        }
        if let metrics = makeMetricsApplication(onServerRunning: onMetricsRunning) { listeners.append(metrics) }
        if configuration.metrics.isClosedOnAPIPort {
            services.logger.notice("metrics are not served: GET /metrics answers 403", metadata: ["fix": "\(HealthRoutes.closedMetricsMessage)"])
        }
        let background: [any Service] = handlers.backgroundTasks.map { BackgroundTaskService(name: $0.name, task: $0.task, services: services) }
        // Services shut down in reverse order: the instance is marked leaving the cluster, sockets are closed (1001), then
        // jobs and listeners stop.
        var all: [any Service] = [StoreReadinessService(services: services)]
        all += listeners
        let scheduler = makeJobScheduler(instanceId: instanceId)
        all.append(scheduler)
        if let controlSocket {
            all.append(ControlSocketService(path: controlSocket, scheduler: scheduler, authenticator: authenticator, logger: services.logger))
        }
        all.append(ClusterService(services: services))
        all += additionalServices
        all += background
        all.append(WebSocketShutdownService(tracker: webSockets, logger: services.logger))
        // Shut down first of all: the cluster learns this instance is leaving before its sockets close.
        all.append(ClusterLeavingService(services: services))
        return ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: all,
                gracefulShutdownSignals: gracefulShutdownSignals,
                logger: services.logger
            )
        )
    }
}
