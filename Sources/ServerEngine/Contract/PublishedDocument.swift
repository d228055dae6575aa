import Hummingbird
import NIOCore
import ServerConfig
import Synchronization

/// Makes a document the engine publishes (the OpenAPI document) from the configuration in force and the handlers.
public typealias DocumentGenerator = @Sendable (ServerConfiguration, HandlerRegistry) throws -> [UInt8]

/// A generated JSON document the HTTP API serves, such as `GET /openapi.json`: made at start-up and again on each
/// applied reload (SIGHUP), never per request.
public final class PublishedDocument: Sendable {
    /// The path it is served at.
    public let path: String
    private let generate: DocumentGenerator
    private let bytes: Mutex<ByteBuffer>

    /// Generates the document for `configuration`; throws what `generate` throws.
    public init(path: String, configuration: ServerConfiguration, handlers: HandlerRegistry, generate: @escaping DocumentGenerator) throws {
        self.path = path
        self.generate = generate
        self.bytes = Mutex(ByteBuffer(bytes: try generate(configuration, handlers)))
    }

    /// The document's bytes in force.
    public var current: ByteBuffer { bytes.withLock { $0 } }

    /// Generates the document again for `configuration`; on failure the previous one stays and the error is thrown.
    public func refresh(configuration: ServerConfiguration, handlers: HandlerRegistry) throws {
        let fresh = ByteBuffer(bytes: try generate(configuration, handlers))
        bytes.withLock { $0 = fresh }
    }

    /// Adds `GET path` (HEAD too, with the router's automatic HEAD) answering the document as JSON.
    func add(to router: Router<EngineRequestContext>) {
        router.get(RouterPath(path)) { [self] _, _ in
            HandlerResponse(headers: [.contentType: "application/json; charset=utf-8"], body: current).response
        }
    }
}
