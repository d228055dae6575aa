import DocumentStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServerConfig

/// Binds routes.yaml's routes onto a Hummingbird router. Each request goes through, in order:
/// authentication, the rate limit, the body limit, JSON parsing, validation, the token's network claim (the route's
/// `network:`), and the handler.
struct RouteBinder {
    let services: EngineServices
    let handlers: HandlerRegistry
    let authenticator: JWTAuthenticator?
    let rateLimiter: RateLimiter

    /// Adds every route to `router`.
    func bind(to router: Router<EngineRequestContext>) throws(EngineError) {
        for route in services.configuration.routes {
            guard let handler = handlers.httpHandlers[route.handler] else {
                throw EngineError(.unknownHandler, "route \(route.method) \(route.path) names unknown handler '\(route.handler)'")
            }
            let pipeline: RoutePipeline
            do {
                pipeline = RoutePipeline(
                    route: route,
                    handler: handler,
                    validator: try RouteValidator(route: route),
                    services: services,
                    authenticator: authenticator,
                    rateLimiter: rateLimiter,
                    networkGuard: NetworkGuard(lookups: handlers.networkLookups)
                )
            } catch {
                throw EngineError(.unknownHandler, "\(route.location): cannot compile the validation rules of \(route.path): \(error)")
            }
            router.on(RouterPath(route.path), method: HTTPRequest.Method(route.method) ?? .get) { request, context in
                try await pipeline.serve(request: request, context: context).response
            }
        }
    }
}

/// One route's request pipeline.
struct RoutePipeline: Sendable {
    let route: RouteConfig
    let handler: HTTPHandler
    let validator: RouteValidator
    let services: EngineServices
    let authenticator: JWTAuthenticator?
    let rateLimiter: RateLimiter
    let networkGuard: NetworkGuard

    func serve(request: Request, context: EngineRequestContext) async throws -> HandlerResponse {
        guard services.readiness.isReady else {
            throw APIError(.serviceUnavailable, route.errorMessage, headers: [.retryAfter: "5"])
        }
        var user: AuthenticatedUser?
        if route.auth == .jwt {
            guard let authenticator else { throw APIError(.internalServerError, route.errorMessage) }
            let throttle = services.configuration.limits.authThrottle
            do {
                user = try await authenticator.authenticate(authorization: request.headers[.authorization])
            } catch {
                services.metrics.recordAuthFailure(transport: "http")
                context.logger.notice("authentication failed", metadata: ["route": "\(route.path)", "reason": "\(error.message)"])
                // A failure from an address blocked by repeated failures is answered as refused; a valid token is not.
                if let ip = context.clientAddress,
                    let retryAfter = await authenticator.throttleFailure(
                        ip: ip,
                        config: throttle,
                        services: services,
                        transport: "http",
                        logger: context.logger
                    )
                {
                    throw APIError(.tooManyRequests, "Too many failed authentications; try again later", headers: [.retryAfter: String(retryAfter)])
                }
                throw error
            }
            if let ip = context.clientAddress { authenticator.notePassed(ip: ip, config: throttle, services: services, transport: "http") }
        }
        var rateHeaders: HTTPFields = [:]
        // Looked up per request, so a reloaded limits.yaml applies to the next request.
        if let name = route.rateLimit, let rateLimit = services.configuration.limits.rateLimits[name] {
            let key = rateLimit.key == .user && user != nil ? "user:\(user?.id ?? "")" : "ip:\(context.clientAddress ?? "unknown")"
            let decision = try await rateLimiter.hit(rateLimit, key: key)
            rateHeaders = decision.headers
            guard decision.allowed else {
                services.metrics.recordRateLimitRejection(limit: rateLimit.name)
                context.logger.notice("rate limit exceeded", metadata: ["limit": "\(rateLimit.name)", "key": "\(key)", "route": "\(route.path)"])
                throw APIError(.tooManyRequests, rateLimit.message, headers: rateHeaders)
            }
        }
        var response: HandlerResponse
        do {
            response = try await respond(request: request, context: context, user: user)
        } catch let error as APIError {
            var error = error
            error.headers.append(contentsOf: rateHeaders)
            throw error
        } catch let error as ValidationError {
            services.metrics.recordValidationFailure(route: route.path)
            context.logger.info("validation failed", metadata: ["route": "\(route.path)", "fields": .array(error.failedPaths.map { "\($0)" })])
            response = error.handlerResponse
        }
        response.headers.append(contentsOf: rateHeaders)
        return response
    }

    private func respond(request: Request, context: EngineRequestContext, user: AuthenticatedUser?) async throws -> HandlerResponse {
        let maxBodySize = services.configuration.limits.maxBodySize
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodySize {
            throw APIError(.contentTooLarge, "Request body too large; the limit is \(maxBodySize) bytes")
        }
        let body = try await Self.collectBody(request, upTo: maxBodySize, timeout: services.configuration.limits.bodyReadTimeout)
        let json = try parseJSON(body, contentType: request.headers[.contentType])
        var parameters: [String: String] = [:]
        for name in route.pathParameters {
            if let value = context.parameters.get(name) { parameters[name] = value.removingPercentEncoding ?? value }
        }
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters where query[String(name)] == nil {
            query[String(name)] = String(value)
        }
        let failures = validator.validate(parameters: parameters, queryItems: query, body: json)
        guard failures.isEmpty else { throw ValidationError(failures: failures) }
        let handlerContext = HandlerContext(
            request: request,
            parameters: parameters,
            query: query,
            body: body,
            json: json,
            user: user,
            route: route,
            services: services,
            logger: context.logger
        )
        do {
            if let denial = try await networkGuard.denial(route.network, parameters: parameters, user: user, services: services) {
                context.logger.notice(
                    "refused: network not granted by the token",
                    metadata: ["route": "\(route.path)", "userId": "\(user?.id ?? "")"]
                )
                throw APIError(.forbidden, denial)
            }
            return try await handler(handlerContext)
        } catch let error as APIError {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch let error as StoreError where error.code == .unavailable {
            context.logger.error("store unavailable", metadata: ["handler": "\(route.handler)", "error": "\(error)"])
            throw APIError(.serviceUnavailable, route.errorMessage, headers: [.retryAfter: "5"])
        } catch {
            context.logger.error("handler failed", metadata: ["handler": "\(route.handler)", "error": "\(String(reflecting: error))"])
            throw APIError(.internalServerError, route.errorMessage)
        }
    }

    /// Reads the body, answering 408 when it does not arrive within `timeout` (a slowly dripped body).
    static func collectBody(_ request: Request, upTo maxBodySize: Int, timeout: Duration) async throws -> ByteBuffer {
        let body = request.body
        do {
            return try await withTimeout(timeout) { try await body.collect(upTo: maxBodySize) }
        } catch is CancellationError {
            throw APIError(.requestTimeout, "Request body not received within \(DurationParser.format(timeout))", headers: [.connection: "close"])
        }
    }

    /// The JSON body, or nil when there is none.
    ///
    /// Only `application/json` is JSON (any case, with parameters such as `; charset=utf-8`): a non-empty body with
    /// another Content-Type (`text/json`, `application/jsonx`, …) or none is 415. Malformed JSON (a repeated key
    /// included) is 400.
    private func parseJSON(_ body: ByteBuffer, contentType: String?) throws(APIError) -> Value? {
        guard body.readableBytes > 0 else { return nil }
        guard let contentType, MediaType.isJSON(contentType) else {
            throw APIError(.unsupportedMediaType, "Content-Type must be application/json")
        }
        do {
            let value = try JSONParser.parse(Array(body.readableBytesView))
            if validator.hasBodyRules, value.documentValue == nil {
                throw APIError(.badRequest, "Request body must be a JSON object")
            }
            return value
        } catch let error as JSONParser.Failure {
            throw APIError(.badRequest, "Malformed JSON body: \(error.description)")
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.badRequest, "Malformed JSON body")
        }
    }
}
