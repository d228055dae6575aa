/// routes.yaml keys `routes` and `websockets`.
extension ConfigReader {
    static let httpMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    /// `routes:` — a list of `{ method, path, handler, auth, rateLimit, network, errorMessage, validate }`.
    func routes(_ node: ConfigNode?) -> [RouteConfig] {
        guard let node, let items = sequence(node) else { return [] }
        return items.compactMap(route)
    }

    private func route(_ node: ConfigNode) -> RouteConfig? {
        let keys = ["method", "path", "handler", "auth", "rateLimit", "network", "errorMessage", "validate"]
        guard let map = mapping(node, allowed: keys, required: ["method", "path", "handler"]) else { return nil }
        let method = map["method"].flatMap { methodNode -> String? in
            guard let text = string(methodNode) else { return nil }
            let upper = text.uppercased()
            guard Self.httpMethods.contains(upper) else {
                error(
                    "unsupported HTTP method '\(text)'; use one of \(Self.httpMethods.joined(separator: ", "))",
                    at: methodNode,
                    suggestion: NearestName.suggest(for: upper, among: Self.httpMethods)
                )
                return nil
            }
            return upper
        }
        let path = map["path"].flatMap(routePath)
        let handler = map["handler"].flatMap(string)
        let auth = map["auth"].flatMap { choice($0, among: RouteConfig.Auth.allCases.map(\.rawValue)) }.flatMap(RouteConfig.Auth.init)
        let rateLimit = map["rateLimit"].flatMap(string)
        guard let method, let path, let handler else { return nil }
        var route = RouteConfig(
            method: method,
            path: path,
            handler: handler,
            auth: auth ?? .jwt,
            rateLimit: rateLimit,
            network: map["network"].flatMap { networkScope($0, path: path) },
            location: node.location
        )
        route.keyLocations = map.keyLocations
        if let message = map["errorMessage"].flatMap(string), !message.isEmpty { route.errorMessage = message }
        if let validateNode = map["validate"], let validate = mapping(validateNode, allowed: ["params", "query", "body"]) {
            route.params = fieldRules(validate["params"])
            route.query = fieldRules(validate["query"])
            route.body = fieldRules(validate["body"])
            let parameters = route.pathParameters
            for rule in route.params where !parameters.contains(rule.field) {
                let ruleNode = validate["params"].map { $0.child($0.node, key: rule.field) }
                report(
                    .error,
                    "validation rule for '\(rule.field)', which is not a parameter of path \(path)",
                    at: rule.location,
                    keyPath: ruleNode?.keyPath ?? "",
                    suggestion: NearestName.suggest(for: rule.field, among: parameters)
                )
            }
        }
        return route
    }

    /// A path template: starts with `/`, parameters `:name` with distinct identifier names.
    func routePath(_ node: ConfigNode) -> String? {
        guard let path = string(node) else { return nil }
        guard path.hasPrefix("/") else {
            error("a path starts with '/', found '\(path)'", at: node)
            return nil
        }
        var seen: Set<String> = []
        for segment in path.split(separator: "/") {
            if segment.contains(where: { $0 == "{" || $0 == "}" || $0 == "*" || $0 == "?" }) {
                error("unsupported path segment '\(segment)'; write parameters as :name", at: node)
                return nil
            }
            guard segment.first == ":" else { continue }
            let name = segment.dropFirst()
            guard let first = name.first, first.isLetter || first == "_", name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                error("invalid path parameter '\(segment)'; a parameter is ':' and a name of letters, digits and _", at: node)
                return nil
            }
            guard seen.insert(String(name)).inserted else {
                error("path parameter ':\(name)' appears twice in \(path)", at: node)
                return nil
            }
        }
        return path
    }

    /// `network:` — `none`, the name of the path parameter holding the network, or `{ lookup, param }`.
    private func networkScope(_ node: ConfigNode, path: String) -> NetworkScope? {
        let parameters = RoutePath.parameters(of: path)
        func parameter(_ node: ConfigNode) -> String? {
            guard let name = string(node) else { return nil }
            guard parameters.contains(name) else {
                error(
                    "network parameter '\(name)' is not a parameter of path \(path)",
                    at: node,
                    suggestion: NearestName.suggest(for: name, among: parameters)
                )
                return nil
            }
            return name
        }
        if node.isMapping {
            guard let map = mapping(node, allowed: ["lookup", "param"], required: ["lookup", "param"]),
                let name = map["lookup"].flatMap(string), let param = map["param"].flatMap(parameter)
            else { return nil }
            return .lookup(name: name, parameter: param)
        }
        guard let text = string(node) else { return nil }
        if text == "none" { return NetworkScope.none }
        return parameter(node).map(NetworkScope.parameter)
    }

    /// `websockets:` — a list of `{ path, handler, auth, network }`.
    func webSocketRoutes(_ node: ConfigNode?) -> [WebSocketRouteConfig] {
        guard let node, let items = sequence(node) else { return [] }
        return items.compactMap { item in
            guard let map = mapping(item, allowed: ["path", "handler", "auth", "network"], required: ["path", "handler"]) else { return nil }
            let path = map["path"].flatMap(routePath)
            let handler = map["handler"].flatMap(string)
            let auth = map["auth"].flatMap { choice($0, among: RouteConfig.Auth.allCases.map(\.rawValue)) }.flatMap(RouteConfig.Auth.init)
            guard let path, let handler else { return nil }
            var route = WebSocketRouteConfig(
                path: path,
                handler: handler,
                auth: auth ?? .jwt,
                network: map["network"].flatMap { networkScope($0, path: path) },
                location: item.location
            )
            route.keyLocations = map.keyLocations
            return route
        }
    }
}
