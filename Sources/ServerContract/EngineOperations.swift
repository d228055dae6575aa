import OpenAPIKit
import ServerConfig
import ServerEngine

/// The engine's own endpoints, outside routes.yaml: `/healthz`, `/readyz`, `/metrics` (when on the API port) and
/// `/openapi.json` (when `http.openapi` is on). No token, no rate limit.
enum EngineOperations {
    static func pathItems(configuration: ServerConfiguration) -> [(OpenAPI.Path, OpenAPI.PathItem)] {
        var items: [(OpenAPI.Path, OpenAPI.PathItem)] = [
            ("/healthz", OpenAPI.PathItem(get: healthz(configuration))),
            ("/readyz", OpenAPI.PathItem(get: readyz(configuration))),
        ]
        if configuration.metrics.listener == nil { items.append(("/metrics", OpenAPI.PathItem(get: metrics(configuration)))) }
        if configuration.openAPI { items.append((OpenAPI.Path(rawValue: Engine.openAPIPath), OpenAPI.PathItem(get: openAPI))) }
        return items
    }

    private static func healthz(_ configuration: ServerConfiguration) -> OpenAPI.Operation {
        OpenAPI.Operation(
            summary: "The process is alive",
            operationId: "healthz",
            responses: [
                200: json(
                    "Always",
                    JSONShape.object([.init("status", .constant("ok")), .init("service", .constant(configuration.service))])
                )
            ],
            security: []
        )
    }

    private static func readyz(_ configuration: ServerConfiguration) -> OpenAPI.Operation {
        let head: [JSONProperty] = [
            .init("service", .constant(configuration.service)),
            .init("store", .oneOf(["memory", "mongodb"])),
        ]
        let build: [JSONProperty] = [.init("version", .string()), .init("build", .string())]
        let config = JSONShape.object([
            .init("version", .integer(minimum: 1)),
            .init("digest", .string(pattern: "^[0-9a-f]{16}$")),
            .init("loadedAt", .dateTime),
        ])
        let ready = JSONShape.object(
            [.init("status", .oneOf(["ready", "degraded"]))] + head
                + [.init("reason", .described("Why degraded: near the socket or buffer caps", .string()), optional: true), .init("config", config)]
                + build
        )
        let notReady = JSONShape.object([.init("status", .oneOf(["starting", "unavailable"]))] + head + build)
        return OpenAPI.Operation(
            summary: "The store answers",
            operationId: "readyz",
            responses: [
                200: json("Ready (or degraded, near a cap), with the configuration in force", ready),
                503: json("Starting, or the store does not answer", notReady),
            ],
            security: []
        )
    }

    private static func metrics(_ configuration: ServerConfiguration) -> OpenAPI.Operation {
        var responses: OpenAPI.Response.Map = [:]
        if configuration.metrics.isClosedOnAPIPort {
            responses[403] = error("Metrics are not public here; the message says how to enable them")
        } else {
            responses[200] = .response(
                description: "The Prometheus text format",
                content: [.init(rawValue: "text/plain")!: .b(OpenAPI.Content(schema: .string))]
            )
            if configuration.metrics.requiresToken { responses[401] = error("No or a wrong `Authorization: Bearer <metrics.token>`") }
        }
        return OpenAPI.Operation(summary: "Metrics", operationId: "metrics", responses: responses, security: [])
    }

    private static var openAPI: OpenAPI.Operation {
        OpenAPI.Operation(
            summary: "This document",
            operationId: "openapi",
            responses: [200: .response(description: "The OpenAPI 3.1 document", content: [.json: .b(OpenAPI.Content(schema: .object))])],
            security: []
        )
    }

    private static func json(_ description: String, _ shape: JSONShape) -> Either<OpenAPI.Reference<OpenAPI.Response>, OpenAPI.Response> {
        .response(description: description, content: [.json: .b(OpenAPI.Content(schema: shape.jsonSchema()))])
    }

    private static func error(_ description: String) -> Either<OpenAPI.Reference<OpenAPI.Response>, OpenAPI.Response> {
        .response(description: description, content: [.json: .b(OpenAPI.Content(schema: StandardResponses.errorBody))])
    }
}
