import DocumentStore
import Foundation
import Hummingbird
import Logging
import ServerConfig
import ServerEngine

/// Builds engines from small YAML files and test handlers.
enum EngineFixtures {
    /// The package root (two levels above this file's folder).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let routes = """
        service: engine-test
        routes:
          - method: GET
            path: /echo/:name
            handler: echo
            auth: none
          - method: POST
            path: /upload
            handler: upload
            auth: none
          - method: GET
            path: /boom
            handler: boom
            auth: none
            errorMessage: Failed to boom
          - method: GET
            path: /teapot
            handler: teapot
            auth: none
        """

    static let limits = """
        http:
          maxBodySize: 1KiB
        """

    /// Handlers for the routes above.
    static func handlers() -> HandlerRegistry {
        var handlers = HandlerRegistry()
        handlers.json("echo") { context in ["name": try context.parameter("name")] }
        handlers.json("upload") { context in ["bytes": context.body.readableBytes] }
        handlers.http("boom") { _ in throw CocoaError(.fileReadCorruptFile, userInfo: ["secret": "internal detail /etc/passwd"]) }
        handlers.http("teapot") { _ in throw APIError(.init(code: 418), "I am a teapot", headers: [.retryAfter: "7"]) }
        return handlers
    }

    static func engine(handlers: HandlerRegistry = handlers(), routes: String = routes) async throws -> Engine {
        let config = try ConfigLoader(directory: ".", environment: [:], catalog: handlers.catalog)
            .load(sources: ["routes.yaml": routes, "limits.yaml": limits, "jobs.yaml": ""])
        let engine = try await Engine(configuration: config, handlers: handlers, store: MemoryStore(), logger: Logger(label: "test"))
        try await engine.services.prepareStore()
        return engine
    }

    static func application() async throws -> some ApplicationProtocol {
        Application(router: try await engine().makeRouter())
    }
}

extension ByteBuffer {
    /// The bytes as a UTF-8 string.
    var text: String { String(buffer: self) }

    /// The bytes parsed as a JSON object.
    var jsonObject: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(readableBytesView))) as? [String: Any]
    }
}
