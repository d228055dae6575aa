import DocumentStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import P2PRegistry
import ServerConfig
import ServerContract
import ServerEngine
import Testing

/// The registry as `registry serve` builds it from the shipped YAML files, on a store, with a clock tests move.
struct RegistryHarness {
    static let secret = "registry-test-secret-0123456789abcdef"
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let clock: ManualWallClock
    let store: any DocumentDatabase
    let engine: Engine

    /// A fresh registry on a fresh embedded store; `environment` overrides the spec variables, `editRoutes` edits the
    /// text of the shipped routes.yaml before it is loaded, `adjust` the loaded configuration.
    static func make(
        environment: [String: String] = [:],
        backend: RegistryBackend = .memory,
        adjust: (inout ServerConfiguration) -> Void = { _ in },
        editRoutes: ((String) -> String)? = nil
    ) async throws -> RegistryHarness {
        var handlers = HandlerRegistry()
        RegistryHandlers.register(into: &handlers)
        var variables = ["JWT_SECRET": secret]
        variables.merge(environment) { _, new in new }
        let loader = ConfigLoader(directory: packageRoot.path, environment: variables, catalog: handlers.catalog)
        var config: ServerConfiguration
        if let editRoutes {
            var sources: [String: String] = [:]
            for file in ["routes.yaml", "limits.yaml", "jobs.yaml"] {
                sources[file] = try String(contentsOf: packageRoot.appendingPathComponent(file), encoding: .utf8)
            }
            sources["routes.yaml"] = editRoutes(sources["routes.yaml"] ?? "")
            config = try loader.load(sources: sources)
        } else {
            config = try loader.load()
        }
        adjust(&config)
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))
        let store = try await backend.makeStore(clock: clock)
        let engine = try await Engine(
            configuration: config,
            handlers: handlers,
            store: store,
            clock: clock,
            logger: Logger(label: "test"),
            openAPI: OpenAPIGenerator.json
        )
        try await engine.services.prepareStore()
        return RegistryHarness(clock: clock, store: store, engine: engine)
    }

    /// Runs `body` against the registry's router.
    func test<Value>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await Application(router: engine.makeRouter()).test(.router, body)
    }

    /// A token for `user` signed with the test secret, valid for an hour of the harness clock.
    func token(_ user: String, networks: [String]? = nil, ttl: Duration = .seconds(3600)) async throws -> String {
        let authenticator = await JWTAuthenticator(secret: Self.secret, clock: clock)
        return try await authenticator.mint(user: user, networks: networks, ttl: ttl)
    }

    /// The stored device with this id.
    func device(_ deviceId: String) async throws -> Document? {
        try await store.collection("devices").findOne(["deviceId": .string(deviceId)])
    }
}

/// Request helpers.
extension TestClientProtocol {
    /// Announces `peerId` into `network` with a valid body.
    @discardableResult
    func announce(
        _ network: String,
        peerId: String,
        token: String,
        capabilities: [String]? = ["relay"],
        signalAddress: String? = nil
    ) async throws -> TestResponse {
        var body: Document = ["peerId": .string(peerId), "signalAddress": .string(signalAddress ?? "wss://signal.example.com/\(peerId)")]
        if let capabilities { body["capabilities"] = .array(capabilities.map(Value.string)) }
        return try await post("/network/\(network)/announce", json: .document(body), token: token)
    }

    func post(_ uri: String, json: Value, token: String?) async throws -> TestResponse {
        try await send(uri, method: .post, body: ByteBuffer(bytes: JSONWriter.bytes(json)), token: token)
    }

    func get(_ uri: String, token: String?) async throws -> TestResponse {
        try await send(uri, method: .get, token: token)
    }

    func send(
        _ uri: String,
        method: HTTPRequest.Method,
        body: ByteBuffer? = nil,
        token: String?,
        contentType: String = "application/json",
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: headers, body: body)
    }
}

extension TestResponse {
    /// The body as a JSON object.
    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]) ?? [:] }
    /// The `error` text of a JSON error.
    var error: String? { json["error"] as? String }
    /// The express-validator errors as (location, path, has value) triples.
    var validationErrors: [(location: String, path: String)] {
        ((json["errors"] as? [[String: Any]]) ?? []).map { ($0["location"] as? String ?? "", $0["path"] as? String ?? "") }
    }

    /// The express-validator errors as "location path: msg" lines, in the response's order.
    var validationMessages: [String] {
        ((json["errors"] as? [[String: Any]]) ?? []).map {
            "\($0["location"] as? String ?? "") \($0["path"] as? String ?? ""): \($0["msg"] as? String ?? "")"
        }
    }
}
