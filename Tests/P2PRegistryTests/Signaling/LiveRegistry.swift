import DocumentStore
import Foundation
import Logging
import P2PRegistry
import ServerConfig
import ServerContract
import ServerEngine
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The registry served on real sockets (HTTP API and signaling listener on ephemeral loopback ports),
/// in-process, as `registry serve` runs it.
final class LiveRegistry: Sendable {
    /// A one-day rate-limit window, for tests that count requests within one fixed window: a minute-long window would
    /// end in the middle of a slow run and the count would start again.
    static let oneDayRateLimitWindow = ["RATE_LIMIT_WINDOW_MS": "86400000"]

    /// The variables every live registry starts with: the test secret, ephemeral loopback ports, and public metrics
    /// (so tests scrape `/metrics` without a token).
    static let baseEnvironment = [
        "JWT_SECRET": RegistryHarness.secret, "PORT": "0", "SIGNALING_PORT": "0", "HOST": "127.0.0.1", "METRICS_PUBLIC": "true",
    ]

    let httpPort: Int
    let webSocketPort: Int
    let store: any DocumentDatabase
    let clock: any WallClock
    /// The engine served (its metrics, its job scheduler).
    let engine: Engine
    private let group: ServiceGroup
    private let server: Task<Void, any Error>

    private init(
        httpPort: Int,
        webSocketPort: Int,
        store: any DocumentDatabase,
        clock: any WallClock,
        engine: Engine,
        group: ServiceGroup,
        server: Task<Void, any Error>
    ) {
        self.engine = engine
        self.httpPort = httpPort
        self.webSocketPort = webSocketPort
        self.store = store
        self.clock = clock
        self.group = group
        self.server = server
    }

    /// Starts a registry; `environment` overrides the spec variables (and `METRICS_PUBLIC=true`, which lets the tests
    /// scrape `/metrics` without a token); `limits` edits the loaded limits.yaml; `logger`
    /// (default: warnings to the console) is the engine's; `store`, when given, is shared (several instances on one
    /// store) instead of a fresh one of `backend`; `configDirectory` (default: the package root) holds the YAML files.
    static func start(
        environment: [String: String] = [:],
        configDirectory: URL = RegistryHarness.packageRoot,
        clock: (any WallClock)? = nil,
        backend: RegistryBackend = .memory,
        logger: Logger? = nil,
        limits: (inout LimitsConfig) -> Void = { _ in },
        store sharedStore: (any DocumentDatabase)? = nil
    ) async throws -> LiveRegistry {
        var handlers = HandlerRegistry()
        RegistryHandlers.register(into: &handlers)
        var variables = baseEnvironment
        variables.merge(environment) { _, new in new }
        var config = try ConfigLoader(directory: configDirectory.path, environment: variables, catalog: handlers.catalog).load()
        limits(&config.limits)
        let clock = clock ?? SystemWallClock()
        let store: any DocumentDatabase
        if let sharedStore { store = sharedStore } else { store = try await backend.makeStore(clock: clock) }
        let logger =
            logger
            ?? {
                var logger = Logger(label: "live-registry")
                logger.logLevel = .warning
                return logger
            }()
        let engine = try await Engine(
            configuration: config,
            handlers: handlers,
            store: store,
            clock: clock,
            logger: logger,
            openAPI: OpenAPIGenerator.json
        )
        let ports = Mutex<(http: Int?, ws: Int?)>((nil, nil))
        try await engine.services.prepareStore()
        let group = try engine.makeServiceGroup(
            instanceId: "test",
            onHTTPRunning: { port in ports.withLock { $0.http = port } },
            onWebSocketRunning: { port in ports.withLock { $0.ws = port } }
        )
        let server = Task { try await group.run() }
        // A wait for readiness, not a check of start-up speed: generous, for a loaded machine (CI runs suites in parallel).
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if case let (http?, ws?) = ports.withLock({ $0 }) {
                return LiveRegistry(httpPort: http, webSocketPort: ws, store: store, clock: clock, engine: engine, group: group, server: server)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        server.cancel()
        _ = await server.result
        throw TestFailure("the registry did not start within 60 s")
    }

    /// Stops the server as SIGTERM does (graceful shutdown) and waits for it.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await server.result
    }

    /// The value of a metric series without labels (0 when absent).
    func metric(_ name: String) -> Double {
        let lines = engine.services.metrics.exposition().split(separator: "\n")
        return lines.first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// A token for `user`.
    func token(_ user: String, networks: [String]? = nil) async throws -> String {
        try await JWTAuthenticator(secret: RegistryHarness.secret, clock: clock).mint(user: user, networks: networks)
    }

    /// The most common signaling set-up: tokens for alice and bob, with `peer_a` (alice's) and `peer_b` (bob's)
    /// announced in `net1`; throws unless both announces answer 200.
    func announcedPair() async throws -> (alice: String, bob: String) {
        let alice = try await token("alice")
        let bob = try await token("bob")
        for (peerId, owner) in [("peer_a", alice), ("peer_b", bob)] {
            let status = try await announce("net1", peerId: peerId, token: owner)
            guard status == 200 else { throw TestFailure("announcing \(peerId) answered \(status)") }
        }
        return (alice, bob)
    }

    /// Announces a device over HTTP; returns the status code.
    @discardableResult
    func announce(_ network: String, peerId: String, token: String, capabilities: [String] = ["relay"]) async throws -> Int {
        let body: Value = [
            "peerId": .string(peerId), "signalAddress": .string("wss://signal.example.com/\(peerId)"),
            "capabilities": .array(capabilities.map(Value.string)),
        ]
        return try await http("POST", "/network/\(network)/announce", token: token, body: JSONWriter.string(body)).status
    }

    /// A request to the HTTP API, with `headers` besides the token's.
    func http(
        _ method: String,
        _ path: String,
        token: String?,
        body: String? = nil,
        headers: [String: String] = [:]
    ) async throws -> (status: Int, json: [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(httpPort)\(path)")!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }

    /// The ids of the messages a device gets from the HTTP drain.
    func drainIds(_ deviceId: String, token: String) async throws -> [String] {
        let reply = try await http("GET", "/signaling/messages/\(deviceId)", token: token)
        return ((reply.json["messages"] as? [[String: Any]]) ?? []).compactMap { ($0["data"] as? [String: Any])?["n"] as? String }
    }
}

/// Runs `body`, then stops `registries` and waits until they have stopped, whether `body` returned or threw: a
/// test's servers are gone before it ends, so the next test does not share the machine with them.
///
/// ```swift
/// let registry = try await LiveRegistry.start()
/// try await stopping(registry) {
///     #expect(try await registry.announce("net1", peerId: "peer_a", token: registry.token("alice")) == 200)
/// }
/// ```
func stopping(_ registries: LiveRegistry..., after body: () async throws -> Void) async throws {
    try await withTeardown(body) {
        for registry in registries { await registry.stop() }
    }
}

/// Runs `body`, then `teardown`, waiting for it, whether `body` returned or threw.
///
/// `body` returns nothing on purpose: with a generic result, a closure whose only `try`s are inside `#expect`
/// would be inferred as not throwing.
func withTeardown(_ body: () async throws -> Void, teardown: () async -> Void) async throws {
    do {
        try await body()
    } catch {
        await teardown()
        throw error
    }
    await teardown()
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
