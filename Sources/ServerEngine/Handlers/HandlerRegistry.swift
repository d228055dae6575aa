import ServerConfig

/// An HTTP handler: one Swift function, bound by name to a route in routes.yaml.
public typealias HTTPHandler = @Sendable (HandlerContext) async throws -> HandlerResponse

/// The names the YAML files may refer to, mapped to Swift functions.
///
/// A new endpoint is one function registered here plus one block in routes.yaml:
///
/// ```swift
/// var handlers = HandlerRegistry()
/// handlers.http("hello") { context in try .json(["hello": context.parameters["name"] ?? "world"]) }
/// ```
///
/// Registering a name twice is a programming error; the engine refuses to start and names it.
public struct HandlerRegistry: Sendable {
    /// HTTP handlers by name.
    public private(set) var httpHandlers: [String: HTTPHandler] = [:]
    /// HTTP handlers' declared answers by handler name, for the OpenAPI document (`registry openapi`).
    public private(set) var httpContracts: [String: HandlerContract] = [:]
    /// WebSocket handlers' declared frames by handler name, for the AsyncAPI document (`registry asyncapi`).
    public private(set) var webSocketContracts: [String: WebSocketContractProvider] = [:]
    /// Names registered more than once.
    public private(set) var duplicateNames: [String] = []
    /// WebSocket handlers by name.
    public private(set) var webSocketHandlers: [String: WebSocketHandler] = [:]
    /// Background tasks, run for the server's lifetime.
    public private(set) var backgroundTasks: [(name: String, task: BackgroundTask)] = []
    /// Job handlers by name.
    public private(set) var jobHandlers: [String: JobHandler] = [:]
    /// Network lookups by name, for routes' `network: { lookup: name, param: … }`.
    public private(set) var networkLookups: [String: NetworkLookup] = [:]
    /// TTL names the code reads; start-up fails if limits.yaml lacks one.
    public var requiredTTLs: Set<String> = []
    /// Application settings declared for limits.yaml's `settings:`.
    public var settings: [String: SettingSpec] = [:]

    /// Creates an empty registry.
    public init() {}

    /// Registers an HTTP handler under `name`, with what it answers (`contract`) for the published OpenAPI document;
    /// without one, the document describes its 200 body as any JSON.
    public mutating func http(_ name: String, contract: HandlerContract? = nil, _ handler: @escaping HTTPHandler) {
        if httpHandlers[name] != nil { duplicateNames.append(name) }
        httpHandlers[name] = handler
        httpContracts[name] = contract
    }

    /// Registers an HTTP handler whose result is encoded as a 200 JSON body.
    public mutating func json<Output: Encodable & Sendable>(_ name: String, _ handler: @escaping @Sendable (HandlerContext) async throws -> Output) {
        http(name) { context in try .json(try await handler(context)) }
    }

    /// Registers a WebSocket handler under `name`, for routes.yaml's `websockets:` to bind, with its frames
    /// (`contract`, made for the configuration in force, whose settings may name them) for the published AsyncAPI
    /// document.
    public mutating func webSocket(_ name: String, contract: WebSocketContractProvider? = nil, _ handler: @escaping WebSocketHandler) {
        if webSocketHandlers[name] != nil { duplicateNames.append(name) }
        webSocketHandlers[name] = handler
        webSocketContracts[name] = contract
    }

    /// Registers a task the server runs alongside its listeners (cancelled on shutdown).
    public mutating func background(_ name: String, _ task: @escaping BackgroundTask) {
        backgroundTasks.append((name, task))
    }

    /// Registers a job handler under `name`, for jobs.yaml to schedule.
    public mutating func job(_ name: String, _ handler: @escaping JobHandler) {
        if jobHandlers[name] != nil { duplicateNames.append(name) }
        jobHandlers[name] = handler
    }

    /// Registers a network lookup under `name`: routes.yaml's `network: { lookup: name, param: … }` asks it which
    /// network a path parameter's value belongs to, and the engine holds the token's `networks` claim against that.
    public mutating func networkLookup(_ name: String, _ lookup: @escaping NetworkLookup) {
        if networkLookups[name] != nil { duplicateNames.append(name) }
        networkLookups[name] = lookup
    }

    /// The names to check the configuration against.
    public var catalog: BindingCatalog {
        BindingCatalog(
            httpHandlers: Set(httpHandlers.keys),
            webSocketHandlers: Set(webSocketHandlers.keys),
            jobHandlers: Set(jobHandlers.keys),
            networkLookups: Set(networkLookups.keys),
            requiredTTLs: requiredTTLs,
            settings: settings
        )
    }
}
