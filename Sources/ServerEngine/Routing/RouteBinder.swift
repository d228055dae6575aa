import HTTPTypes
import Hummingbird
import Logging
import Foundation
import NIOCore
import ServerConfig

/// Binds routes.yaml's routes onto a Hummingbird router: each route gets its handler, its body limit and
/// its error message.
struct RouteBinder {
    let configuration: ServerConfiguration
    let handlers: HandlerRegistry

    /// Adds every route to `router`. The configuration has been checked against the handlers' catalog,
    /// so every handler exists; a missing one is reported as an error instead of trapping.
    func bind(to router: Router<BasicRequestContext>) throws(EngineError) {
        for route in configuration.routes {
            guard let handler = handlers.httpHandlers[route.handler] else {
                throw EngineError(.unknownHandler, "route \(route.method) \(route.path) names unknown handler '\(route.handler)'")
            }
            let method = HTTPRequest.Method(route.method) ?? .get
            let limits = configuration.limits
            router.on(RouterPath(route.path), method: method) { request, context in
                try await Self.serve(request: request, context: context, route: route, limits: limits, handler: handler)
            }
        }
    }

    private static func serve(
        request: Request,
        context: BasicRequestContext,
        route: RouteConfig,
        limits: LimitsConfig,
        handler: HTTPHandler
    ) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limits.maxBodySize {
            throw APIError(.contentTooLarge, "Request body too large; the limit is \(limits.maxBodySize) bytes")
        }
        let body = try await request.body.collect(upTo: limits.maxBodySize)
        var parameters: [String: String] = [:]
        for name in route.pathParameters {
            if let value = context.parameters.get(name) { parameters[name] = value.removingPercentEncoding ?? value }
        }
        let handlerContext = HandlerContext(
            request: request, parameters: parameters, body: body, route: route, limits: limits, logger: context.logger
        )
        do {
            return try await handler(handlerContext).response
        } catch let error as APIError {
            throw error
        } catch let error as any HTTPResponseError where error.status.code < 500 {
            throw error
        } catch {
            context.logger.error("handler failed", metadata: ["handler": "\(route.handler)", "error": "\(String(reflecting: error))"])
            throw APIError(.internalServerError, route.errorMessage)
        }
    }
}
