import OpenAPIKit
import ServerConfig
import ServerEngine

/// The answers one route can give: its handler's 200 (and 304, and its own errors), and the errors the engine's
/// pipeline gives on the route's way there (authentication, rate limit, body limits, JSON parsing, validation, the
/// network claim), each only when the route can produce it.
struct StandardResponses {
    let route: RouteConfig
    let configuration: ServerConfiguration
    let contract: HandlerContract?

    /// `{"error": "…"}`.
    static let errorSchemaName: OpenAPI.ComponentKey = "Error"
    static let errorSchema = JSONSchema.object(
        description: "An error other than a validation failure",
        properties: ["error": .string(description: "What went wrong, in words")],
        additionalProperties: .a(false)
    )

    /// `{"errors": [{type, value, msg, path, location}]}`, express-validator's shape.
    static let validationSchemaName: OpenAPI.ComponentKey = "ValidationErrors"
    static let validationSchema = JSONSchema.object(
        description: "One entry per failed validation rule, in the order the rules are written (params, query, body)",
        properties: [
            "errors": .array(
                minItems: 1,
                items: .object(
                    properties: [
                        "type": .string(allowedValues: ["field"]),
                        "value": JSONSchema.fragment(description: "The value received; absent when the field was absent").optionalSchemaObject(),
                        "msg": .string(description: "The failed rule in words, or the route's own message"),
                        "path": .string(description: "The field: `peerId`, or an array element `capabilities[1]`"),
                        "location": .string(allowedValues: ["params", "query", "body"]),
                    ],
                    additionalProperties: .a(false)
                )
            )
        ],
        additionalProperties: .a(false)
    )

    static var errorBody: JSONSchema { .reference(.component(named: errorSchemaName.rawValue)) }
    static var validationBody: JSONSchema { .reference(.component(named: validationSchemaName.rawValue)) }

    /// Every answer, by status.
    var map: OpenAPI.Response.Map {
        var map: OpenAPI.Response.Map = [:]
        let limited = route.rateLimit != nil
        // The rate limit's headers are on every answer after the limit was counted: always on a 200 and a 304, on most
        // errors (not on a 401, nor on a 413 found while reading a body without Content-Length).
        let rateHeaders: OpenAPI.Header.Map = limited ? Self.rateLimitHeaders(required: false) : [:]
        var okHeaders: OpenAPI.Header.Map = limited ? Self.rateLimitHeaders : [:]
        if contract?.entityTag == true { okHeaders["ETag"] = Self.header("A strong tag of the body, for `If-None-Match`", required: true) }
        map[200] = .response(
            description: "Success",
            headers: okHeaders.isEmpty ? nil : okHeaders,
            content: [.json: .b(OpenAPI.Content(schema: contract?.ok.jsonSchema() ?? .fragment(description: "Any JSON")))]
        )
        if contract?.entityTag == true {
            var headers: OpenAPI.Header.Map = limited ? Self.rateLimitHeaders : [:]
            headers["ETag"] = Self.header("The tag named by `If-None-Match`, still current", required: true)
            map[304] = .response(description: "Not modified: `If-None-Match` names the current tag; no body", headers: headers)
        }
        let hasRules = !(route.params.isEmpty && route.query.isEmpty && route.body.isEmpty)
        var badRequest = "Malformed JSON body, or a body that is not a JSON object"
        if hasRules { badRequest = "A failed validation rule (`errors`), or " + badRequest.lowercased() }
        if let own = contract?.errors[400] { badRequest += "; " + own }
        map[400] = error(badRequest, body: hasRules ? .one(of: [Self.validationBody, Self.errorBody]) : Self.errorBody, headers: rateHeaders)
        if route.auth == .jwt {
            map[401] = error("No token, or an invalid, expired or unexpiring one", headers: [:])
        }
        var forbidden: [String] = []
        if route.auth == .jwt, let network = route.network, network != .none {
            forbidden.append("the token's `networks` claim does not grant the route's network")
        }
        if let own = contract?.errors[403] { forbidden.append(own) }
        if !forbidden.isEmpty { map[403] = error("Refused: " + forbidden.joined(separator: "; "), headers: rateHeaders) }
        var notFound = contract?.errors[404]
        if !route.pathParameters.isEmpty {
            notFound = notFound ?? "A path parameter that makes another path (such as an empty segment)"
        }
        if let notFound { map[404] = error(notFound, headers: [:]) }
        map[408] = error(
            "The body did not arrive within \(DurationParser.format(configuration.limits.bodyReadTimeout))",
            headers: rateHeaders.merging(["Connection": Self.header("`close`", required: true)])
        )
        map[413] = error("A body over \(configuration.limits.maxBodySize) bytes", headers: rateHeaders)
        map[415] = error("A non-empty body that is not `application/json`", headers: rateHeaders)
        var tooMany: [String] = []
        if route.auth == .jwt { tooMany.append("invalid tokens from an address that keeps sending them") }
        if let name = route.rateLimit { tooMany.append("over the `\(name)` rate limit (with `RateLimit-*` headers)") }
        if !tooMany.isEmpty {
            var headers: OpenAPI.Header.Map = ["Retry-After": Self.header("Seconds to wait", required: true)]
            // Not on the failed-authentication 429, so not required.
            if limited { headers.merge(Self.rateLimitHeaders(required: false)) }
            map[429] = error("Too many requests: " + tooMany.joined(separator: "; "), headers: headers)
        }
        for (status, description) in (contract?.errors ?? [:]).sorted(by: { $0.key < $1.key })
        where map[OpenAPI.Response.StatusCode(integerLiteral: status)] == nil {
            map[OpenAPI.Response.StatusCode(integerLiteral: status)] = error(description, headers: rateHeaders)
        }
        map[500] = error("A server fault (logged with the request id): `\(route.errorMessage)`", headers: [:])
        map[503] = error(
            "The store is unreachable, or the server is starting: `\(route.errorMessage)`",
            headers: ["Retry-After": Self.header("Seconds to wait", required: true)]
        )
        return OpenAPI.Response.Map(map.sorted { $0.key.rawValue < $1.key.rawValue }, uniquingKeysWith: { first, _ in first })
    }

    private func error(
        _ description: String,
        body: JSONSchema = StandardResponses.errorBody,
        headers: OpenAPI.Header.Map
    ) -> Either<
        OpenAPI.Reference<OpenAPI.Response>, OpenAPI.Response
    > {
        .response(description: description, headers: headers.isEmpty ? nil : headers, content: [.json: .b(OpenAPI.Content(schema: body))])
    }

    static let rateLimitHeaders = rateLimitHeaders(required: true)

    static func rateLimitHeaders(required: Bool) -> OpenAPI.Header.Map {
        [
            "RateLimit-Limit": header("Requests allowed per window", required: required, integer: true),
            "RateLimit-Remaining": header("Requests left in this window", required: required, integer: true),
            "RateLimit-Reset": header("Seconds until the window resets", required: required, integer: true),
        ]
    }

    static func header(_ description: String, required: Bool, integer: Bool = false) -> Either<OpenAPI.Reference<OpenAPI.Header>, OpenAPI.Header> {
        .b(OpenAPI.Header(schema: integer ? .integer(minimum: (0, exclusive: false)) : .string, description: description, required: required))
    }
}

extension OpenAPI.Header.Map {
    fileprivate func merging(_ other: OpenAPI.Header.Map) -> OpenAPI.Header.Map {
        var merged = self
        merged.merge(other)
        return merged
    }

    fileprivate mutating func merge(_ other: OpenAPI.Header.Map) {
        for (key, value) in other { self[key] = value }
    }
}
