import DocumentStore
import Foundation
import Logging
import MongoStore
import MongoTestSupport
import P2PRegistry
import ServerConfig
import ServerContract
import ServerEngine
import ServiceLifecycle
import Synchronization
import Testing

/// The registry served in-process on real loopback sockets, as `registry serve` runs it, for the client's tests.
/// `restart()` stops it (as SIGTERM does: sockets get `1001 Server shutting down`) and serves the same store again on
/// the same ports, so clients see a server restart.
final class ClientTestServer: Sendable {
    static let secret = "registry-client-test-secret-0123456789abcdef"
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The stores the client's success path runs on.
    enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case memory, mongodb
        var testDescription: String { rawValue }

        func makeStore(clock: any WallClock) async throws -> any DocumentDatabase {
            switch self {
            case .memory: return MemoryStore(clock: clock)
            case .mongodb:
                let endpoint = try await MongoTestServer.shared.endpoint()
                let database = "registry_client_" + UUID().uuidString.prefix(12).lowercased()
                return try await MongoStore.connect(uri: endpoint.uri, database: database, poolSize: 4, logger: MongoTestServer.logger)
            }
        }
    }

    private struct Running: Sendable {
        var group: ServiceGroup
        var task: Task<Void, any Error>
        var httpPort: Int
        var webSocketPort: Int
    }

    let store: any DocumentDatabase
    private let environment: [String: String]
    private let running = Mutex<Running?>(nil)

    private init(store: any DocumentDatabase, environment: [String: String]) {
        self.store = store
        self.environment = environment
    }

    /// Starts a registry on a fresh store of `backend`; `environment` overrides the spec variables.
    static func start(backend: Backend = .memory, environment: [String: String] = [:]) async throws -> ClientTestServer {
        let server = ClientTestServer(store: try await backend.makeStore(clock: SystemWallClock()), environment: environment)
        try await server.serve(httpPort: 0, webSocketPort: 0)
        return server
    }

    var httpPort: Int { running.withLock { $0?.httpPort ?? 0 } }
    var webSocketPort: Int { running.withLock { $0?.webSocketPort ?? 0 } }
    var apiURL: URL { URL(string: "http://127.0.0.1:\(httpPort)")! }
    var signalingURL: URL { URL(string: "ws://127.0.0.1:\(webSocketPort)")! }

    private func serve(httpPort: Int, webSocketPort: Int) async throws {
        var handlers = HandlerRegistry()
        RegistryHandlers.register(into: &handlers)
        var variables = ["JWT_SECRET": Self.secret, "HOST": "127.0.0.1", "PORT": "\(httpPort)", "SIGNALING_PORT": "\(webSocketPort)"]
        variables.merge(environment) { _, new in new }
        let config = try ConfigLoader(directory: Self.packageRoot.path, environment: variables, catalog: handlers.catalog).load()
        var logger = Logger(label: "client-test-server")
        logger.logLevel = .warning
        let engine = try await Engine(
            configuration: config,
            handlers: handlers,
            store: store,
            clock: SystemWallClock(),
            logger: logger,
            openAPI: OpenAPIGenerator.json
        )
        try await engine.services.prepareStore()
        let ports = Mutex<(http: Int?, ws: Int?)>((nil, nil))
        let group = try engine.makeServiceGroup(
            instanceId: "client-test",
            onHTTPRunning: { port in ports.withLock { $0.http = port } },
            onWebSocketRunning: { port in ports.withLock { $0.ws = port } }
        )
        let task = Task { try await group.run() }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if case let (http?, ws?) = ports.withLock({ $0 }) {
                running.withLock { $0 = Running(group: group, task: task, httpPort: http, webSocketPort: ws) }
                return
            }
            if task.isCancelled { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        task.cancel()
        _ = await task.result
        throw ServerFailure("the registry did not start within 20 s")
    }

    /// Stops serving, as SIGTERM does, and waits until it has stopped.
    func stop() async {
        guard let current = running.withLock({ $0 }) else { return }
        await current.group.triggerGracefulShutdown()
        _ = await current.task.result
    }

    /// Stops, then serves the same store on the same ports again.
    func restart() async throws {
        let (http, ws) = (httpPort, webSocketPort)
        await stop()
        try await serve(httpPort: http, webSocketPort: ws)
    }

    /// A token for `user`, valid for `ttl` from now (a negative `ttl`: expired that long ago).
    func token(_ user: String, ttl: Duration = .seconds(3600)) async throws -> String {
        let issued = Date().addingTimeInterval(ttl < .zero ? Double(ttl.components.seconds) - 60 : 0)
        let lifetime: Duration = ttl < .zero ? .seconds(60) : ttl
        return try await JWTAuthenticator(secret: Self.secret, clock: ManualWallClock(issued)).mint(user: user, ttl: lifetime)
    }
}

/// Runs `body`, then stops `server`, whether `body` returned or threw.
func serving(_ server: ClientTestServer, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

struct ServerFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
