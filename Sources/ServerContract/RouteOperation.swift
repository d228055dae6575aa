import OpenAPIKit
import ServerConfig
import ServerEngine

/// One route of routes.yaml as an OpenAPI operation: its parameters and body from the validation rules, its
/// security from `auth`, and the answers it can give (``StandardResponses``, the handler's ``HandlerContract``).
struct RouteOperation {
    let route: RouteConfig
    let configuration: ServerConfiguration
    let contract: HandlerContract?

    var operation: OpenAPI.Operation {
        OpenAPI.Operation(
            summary: "\(route.method) \(route.path) (handler `\(route.handler)`)",
            description: description,
            operationId: route.handler,
            parameters: parameters,
            requestBody: requestBody,
            responses: StandardResponses(route: route, configuration: configuration, contract: contract).map,
            security: route.auth == .jwt ? [[.component(named: OpenAPIGenerator.bearerScheme.rawValue): []]] : []
        )
    }

    private var description: String {
        var lines: [String] = []
        if route.auth == .jwt { lines.append("Needs `Authorization: Bearer <JWT>`.") }
        switch route.network {
        case .parameter(let name)?: lines.append("The token's `networks` claim, when present, must grant `\(name)`.")
        case .lookup(let name, let parameter)?:
            lines.append("The token's `networks` claim, when present, must grant the network `\(name)` answers for `\(parameter)`.")
        case .none?, nil: break
        }
        if let name = route.rateLimit, let limit = configuration.limits.rateLimits[name] {
            lines.append(
                "Rate limited (`\(name)`): \(limit.max) requests per \(DurationParser.format(limit.window)) per \(limit.key.rawValue), "
                    + "with `RateLimit-*` headers on every answer past authentication."
            )
        }
        return lines.joined(separator: " ")
    }

    private var parameters: OpenAPI.Parameter.Array {
        var parameters: OpenAPI.Parameter.Array = route.pathParameters.map { name in
            let rule = route.params.first { $0.field == name }
            return .b(.path(name: name, schema: rule?.jsonSchema(textual: true).requiredSchemaObject() ?? .string))
        }
        parameters += route.query.map { rule in
            .b(.query(name: rule.field, required: !rule.optional, schema: rule.jsonSchema(textual: true)))
        }
        if contract?.entityTag == true {
            parameters.append(
                .b(
                    .header(
                        name: "If-None-Match",
                        schema: .string,
                        description: "An ETag of an earlier 200 (or `*`, or a list): answered 304 when it is current"
                    )
                )
            )
        }
        return parameters
    }

    private var requestBody: OpenAPI.Request? {
        guard !route.body.isEmpty else { return nil }
        let properties = OrderedDictionary(route.body.map { ($0.field, $0.jsonSchema(textual: false)) }, uniquingKeysWith: { first, _ in first })
        return OpenAPI.Request(
            description: "A JSON object; keys without a rule are ignored",
            content: [.json: .b(OpenAPI.Content(schema: .object(properties: properties)))],
            required: route.body.contains { !$0.optional }
        )
    }
}
