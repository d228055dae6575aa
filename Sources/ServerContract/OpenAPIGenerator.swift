import Foundation
import OpenAPIKit
import ServerConfig
import ServerEngine

/// Generates the HTTP API's OpenAPI 3.1 document from the configuration (routes.yaml's routes, their validation
/// rules, auth, network scopes and rate limits; limits.yaml's sizes) and the handlers' declared answers
/// (``HandlerContract``). A route added to routes.yaml appears with no other work.
///
/// ```swift
/// let json = try OpenAPIGenerator.json(configuration: config, handlers: handlers)   // `registry openapi`
/// let engine = try await Engine(…, openAPI: OpenAPIGenerator.json)            // GET /openapi.json
/// ```
public enum OpenAPIGenerator {
    /// The name of the bearer JWT security scheme.
    static let bearerScheme: OpenAPI.ComponentKey = "bearerAuth"

    /// The document, as OpenAPIKit's model.
    public static func document(configuration: ServerConfiguration, handlers: HandlerRegistry) -> OpenAPI.Document {
        var paths: OpenAPI.PathItem.Map = [:]
        let handlerUses = Dictionary(configuration.routes.map { ($0.handler, 1) }, uniquingKeysWith: +)
        for route in configuration.routes {
            let path = OpenAPI.Path(rawValue: openAPIPath(route.path))
            var item = paths[path]?.b ?? OpenAPI.PathItem()
            var operation = RouteOperation(route: route, configuration: configuration, contract: handlers.httpContracts[route.handler]).operation
            // The handler's name, unless several routes share the handler: then also the method and path.
            if handlerUses[route.handler, default: 0] > 1 {
                operation.operationId = route.handler + "_" + route.method + route.path.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
            }
            switch route.method {
            case "GET": item.get = operation
            case "POST": item.post = operation
            case "PUT": item.put = operation
            case "PATCH": item.patch = operation
            case "DELETE": item.delete = operation
            default: continue
            }
            paths[path] = .b(item)
        }
        for (path, item) in EngineOperations.pathItems(configuration: configuration) where paths[path] == nil {
            paths[path] = .b(item)
        }
        return OpenAPI.Document(
            openAPIVersion: .v3_1_1,
            info: OpenAPI.Document.Info(
                title: configuration.service,
                description: "The HTTP API of \(configuration.service), generated from its routes.yaml. Errors are JSON: "
                    + "`{\"errors\":[…]}` for a failed validation (express-validator's shape), `{\"error\":\"…\"}` otherwise. "
                    + "Every response carries `X-Request-Id`.",
                version: BuildInfo.version
            ),
            servers: [],
            paths: paths,
            components: OpenAPI.Components(
                schemas: [
                    StandardResponses.errorSchemaName: StandardResponses.errorSchema,
                    StandardResponses.validationSchemaName: StandardResponses.validationSchema,
                ],
                securitySchemes: [
                    bearerScheme: .b(.http(scheme: "bearer", bearerFormat: "JWT", description: "A JWT signed with the server's JWT_SECRET"))
                ]
            )
        )
    }

    /// The document as pretty-printed JSON with sorted keys (the same configuration always gives the same bytes).
    @Sendable
    public static func json(configuration: ServerConfiguration, handlers: HandlerRegistry) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(document(configuration: configuration, handlers: handlers)))
    }

    /// `/network/:networkId/peers` → `/network/{networkId}/peers`.
    static func openAPIPath(_ path: String) -> String {
        "/" + path.split(separator: "/").map { $0.first == ":" ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }
}
