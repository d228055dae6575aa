import Yams

/// routes.yaml keys `http`, `websocket`, `auth`, `store` and `metrics`.
extension ConfigReader {
    /// `websocket:` — keys `host` (default 0.0.0.0), `port`, `backlog` (default 4096).
    func listener(_ node: ConfigNode?, defaultPort: Int) -> ListenerConfig {
        listener(node, defaultPort: defaultPort, extraKeys: []).listener
    }

    /// `http:` — the listener's keys, plus `trustedProxies` and `forwardedHeader` (``clientAddress(_:)``), `cors`
    /// (``cors(_:)``, which reads `CORS_ALLOW_ORIGINS` even when the file has no `cors:`) and `openapi` (default true:
    /// `GET /openapi.json` is served).
    func httpListener(
        _ node: ConfigNode?
    ) -> (listener: ListenerConfig, clientAddress: ClientAddressConfig, cors: CORSConfig, openAPI: Bool) {
        let (listener, map) = listener(node, defaultPort: 3000, extraKeys: ["trustedProxies", "forwardedHeader", "cors", "openapi"])
        return (listener, map.map(clientAddress) ?? ClientAddressConfig(), cors(map?["cors"]), map?["openapi"].flatMap(bool) ?? true)
    }

    private func listener(_ node: ConfigNode?, defaultPort: Int, extraKeys: [String]) -> (listener: ListenerConfig, map: MappingReader?) {
        var listener = ListenerConfig(port: defaultPort)
        guard let node, let map = mapping(node, allowed: ["host", "port", "backlog"] + extraKeys) else { return (listener, nil) }
        if let host = map["host"].flatMap(string), !host.isEmpty { listener.host = host }
        if let port = map["port"].flatMap({ int($0, in: 0...65535) }) { listener.port = port }
        if let backlog = map["backlog"].flatMap({ int($0, in: 1...1_000_000) }) { listener.backlog = backlog }
        return (listener, map)
    }

    /// `http.trustedProxies` (a list of CIDR ranges or bare addresses; each entry may hold several separated by
    /// commas, so `${TRUSTED_PROXIES:-}` can carry a list) and `http.forwardedHeader`. Reports each invalid range by
    /// its entry.
    private func clientAddress(_ map: MappingReader) -> ClientAddressConfig {
        var config = ClientAddressConfig()
        if let header = map["forwardedHeader"].flatMap({ choice($0, among: ClientAddressConfig.Header.allCases.map(\.rawValue)) }) {
            config.header = ClientAddressConfig.Header(rawValue: header) ?? .xForwardedFor
        }
        guard let listNode = map["trustedProxies"] else { return config }
        let entries: [ConfigNode]
        if case .scalar = listNode.node {
            entries = [listNode]
        } else {
            guard let items = sequence(listNode) else { return config }
            entries = items
        }
        for entry in entries {
            guard let text = string(entry) else { continue }
            for part in text.split(separator: ",") {
                let range = String(part).trimmingWhitespace()
                guard !range.isEmpty else { continue }
                do {
                    config.trustedProxies.append(try CIDR(range))
                } catch {
                    self.error("invalid trusted proxy: \(error.message)", at: entry)
                }
            }
        }
        return config
    }

    /// `auth:` — `jwt: { secret, leeway, algorithms, requireExp }`.
    func auth(_ node: ConfigNode?) -> AuthConfig {
        var auth = AuthConfig()
        guard let node, let map = mapping(node, allowed: ["jwt"]) else { return auth }
        guard let jwtNode = map["jwt"], let jwt = mapping(jwtNode, allowed: ["secret", "leeway", "algorithms", "requireExp"]) else { return auth }
        if let secretNode = jwt["secret"], let secret = string(secretNode) {
            auth.jwtSecret = secret
            if secret.isEmpty {
                warning(
                    "no JWT secret: set JWT_SECRET (at least 32 random bytes, e.g. `openssl rand -hex 32`); the server will not start without it",
                    at: secretNode
                )
            } else if secret.utf8.count < 32 {
                warning("the JWT secret is shorter than 32 bytes; HS256 secrets that short can be brute-forced", at: secretNode)
            }
        }
        if let leeway = jwt["leeway"].flatMap({ duration($0) }) { auth.leeway = leeway }
        if let node = jwt["algorithms"], let algorithms = jwtAlgorithms(node) {
            auth.algorithms = algorithms
            // RFC 7518 §3.2: an HMAC key at least as long as the hash output (HS256's short secrets stay a warning, above).
            let length = auth.jwtSecret.utf8.count
            for algorithm in algorithms where algorithm != .hs256 && length > 0 && length < algorithm.minimumSecretLength {
                error(
                    "\(algorithm.rawValue) needs a secret of at least \(algorithm.minimumSecretLength) bytes and JWT_SECRET has \(length); use a longer secret (`openssl rand -hex \(algorithm.minimumSecretLength)`) or drop \(algorithm.rawValue)",
                    at: node
                )
            }
        }
        if let requireExp = jwt["requireExp"].flatMap(bool) { auth.requireExp = requireExp }
        return auth
    }

    /// `auth.jwt.algorithms`: a non-empty list of HS256, HS384, HS512 (the algorithms one shared secret can verify);
    /// a single value is a one-element list.
    private func jwtAlgorithms(_ node: ConfigNode) -> [JWTAlgorithmName]? {
        let items: [ConfigNode]
        if case .scalar = node.node {
            items = [node]
        } else {
            guard let list = sequence(node) else { return nil }
            items = list
        }
        guard !items.isEmpty else {
            error("list at least one JWT algorithm: HS256, HS384 or HS512 (default [HS256])", at: node)
            return nil
        }
        var algorithms: [JWTAlgorithmName] = []
        for item in items {
            guard let algorithm = jwtAlgorithm(item) else { return nil }
            if !algorithms.contains(algorithm) { algorithms.append(algorithm) }
        }
        return algorithms
    }

    private func jwtAlgorithm(_ node: ConfigNode) -> JWTAlgorithmName? {
        guard let text = string(node) else { return nil }
        if let algorithm = JWTAlgorithmName(rawValue: text.trimmingWhitespace()) { return algorithm }
        let names = JWTAlgorithmName.allCases.map(\.rawValue)
        error(
            "unsupported JWT algorithm '\(text)'; one shared secret verifies \(names.joined(separator: ", ")) only",
            at: node,
            suggestion: NearestName.suggest(for: text, among: names)
        )
        return nil
    }

    /// `metrics:` — `token` (a bearer token scrapes of `/metrics` must present), `port` (a listener of its own; empty:
    /// the HTTP API port), `host` (default: the HTTP API's host) and `public` (serve it on the HTTP API port without a
    /// token; default false).
    func metrics(_ node: ConfigNode?, httpHost: String) -> MetricsConfig {
        var metrics = MetricsConfig()
        guard let node, let map = mapping(node, allowed: ["token", "host", "port", "public"]) else { return metrics }
        if let isPublic = map["public"].flatMap(bool) { metrics.isPublic = isPublic }
        if let portNode = map["port"], let text = string(portNode), !text.trimmingWhitespace().isEmpty,
            let port = int(portNode, in: 0...65535)
        {
            var listener = ListenerConfig(host: httpHost, port: port)
            if let host = map["host"].flatMap(string), !host.isEmpty { listener.host = host }
            metrics.listener = listener
        }
        if let tokenNode = map["token"], let token = string(tokenNode) {
            metrics.token = token
            if !token.isEmpty, token.utf8.count < 16 {
                warning("the metrics token is shorter than 16 bytes; use a random one (`openssl rand -hex 16`)", at: tokenNode)
            }
        }
        return metrics
    }

    /// `store:` — `uri` (empty: embedded engine), `database`, `poolSize`, `ttlMonitorInterval`.
    func store(_ node: ConfigNode?) -> StoreConfig {
        var store = StoreConfig()
        guard let node, let map = mapping(node, allowed: ["uri", "database", "poolSize", "ttlMonitorInterval"]) else { return store }
        if let uriNode = map["uri"], let uri = string(uriNode) {
            store.uri = uri
            if !uri.isEmpty, !(uri.hasPrefix("mongodb://") || uri.hasPrefix("mongodb+srv://")) {
                error("a MongoDB URI starts with mongodb:// or mongodb+srv://", at: uriNode)
            }
        }
        if let database = map["database"].flatMap(string), !database.isEmpty { store.database = database }
        if let poolSize = map["poolSize"].flatMap({ int($0, in: 1...10_000) }) { store.poolSize = poolSize }
        if let interval = map["ttlMonitorInterval"].flatMap({ duration($0, minimum: .milliseconds(10)) }) {
            store.ttlMonitorInterval = interval
        }
        return store
    }
}
