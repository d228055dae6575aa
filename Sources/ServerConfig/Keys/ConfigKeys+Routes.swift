/// routes.yaml's keyed sections: `service`, `http` (with `cors`), `websocket`, `auth.jwt`, `metrics`, `store`, `cluster`,
/// `ice`. (Its lists, `routes`, `websockets` and `collections`, are read by their own readers and bound at start-up.)
extension ConfigKeys {
    static let routes: [ConfigKey] = service + http + cors + webSocket + auth + metrics + store + cluster + ice

    private static let file = ConfigLoader.routesFile
    private static let port = 0...65535
    private static let backlog = 1...1_000_000

    private static let service: [ConfigKey] = [
        ConfigKey(file, "service", \.service, .string(keepsDefaultWhenEmpty: true), reload: .restart, "The service name in logs.")
    ]

    private static let http: [ConfigKey] = [
        ConfigKey(file, "http.host", \.http.host, .string(keepsDefaultWhenEmpty: true), reload: .restart, "The HTTP API's address (`HOST`)."),
        ConfigKey(file, "http.port", \.http.port, .int(in: port), reload: .restart, "The HTTP API's port (`PORT`)."),
        ConfigKey(file, "http.backlog", \.http.backlog, .int(in: backlog), reload: .restart, "The listen backlog (`HTTP_BACKLOG`)."),
        ConfigKey(
            file,
            "http.trustedProxies",
            \.clientAddress.trustedProxies,
            ValueParser(
                type: "list of CIDR ranges",
                bounds: "entries may hold several, comma-separated",
                parse: { $0.trustedProxies($1) },
                format: { "[" + $0.map(\.description).joined(separator: ", ") + "]" }
            ),
            reload: .live,
            "Reverse proxies whose forwarding header names the client, for both listeners (`TRUSTED_PROXIES`); empty: the TCP peer."
        ),
        ConfigKey(
            file,
            "http.forwardedHeader",
            \.clientAddress.header,
            .choice(),
            reload: .live,
            "The header those proxies write (`FORWARDED_HEADER`)."
        ),
        ConfigKey(file, "http.openapi", \.openAPI, .bool, reload: .restart, "Serve the OpenAPI document at `GET /openapi.json`."),
    ]

    private static let cors: [ConfigKey] = [
        ConfigKey(
            file,
            "http.cors.allowOrigins",
            \.cors.allowOrigins,
            .list(type: "list of origins", bounds: "or '*' alone") { $0.origins($1, allowingAny: true) },
            reload: .live,
            "Browser origins that may read the API; empty: CORS off. `CORS_ALLOW_ORIGINS` replaces the list when set."
        ),
        ConfigKey(
            file,
            "http.cors.allowHeaders",
            \.cors.allowHeaders,
            .list(type: "list of header names") { $0.headerNames($1) },
            reload: .live,
            "Request headers a page may send."
        ),
        ConfigKey(
            file,
            "http.cors.exposeHeaders",
            \.cors.exposeHeaders,
            .list(type: "list of header names") { $0.headerNames($1) },
            reload: .live,
            "Response headers a page may read."
        ),
        ConfigKey(file, "http.cors.maxAge", \.cors.maxAge, .duration(), reload: .live, "How long a browser caches a preflight's answer."),
        ConfigKey(
            file,
            "http.cors.allowCredentials",
            \.cors.allowCredentials,
            .bool,
            reload: .live,
            "Send Access-Control-Allow-Credentials (never with '*')."
        ),
    ]

    private static let webSocket: [ConfigKey] = [
        ConfigKey(
            file,
            "websocket.host",
            \.webSocket.host,
            .string(keepsDefaultWhenEmpty: true),
            reload: .restart,
            "The signaling listener's address."
        ),
        ConfigKey(file, "websocket.port", \.webSocket.port, .int(in: port), reload: .restart, "The signaling port (`SIGNALING_PORT`)."),
        ConfigKey(file, "websocket.backlog", \.webSocket.backlog, .int(in: backlog), reload: .restart, "The listen backlog (`SIGNALING_BACKLOG`)."),
    ]

    private static let auth: [ConfigKey] = [
        ConfigKey(
            file,
            "auth.jwt.secret",
            \.auth.jwtSecret,
            ValueParser(type: "secret", bounds: "at least 32 bytes", parse: { $0.jwtSecret($1) }, format: ValueParser<String>.secret.format),
            reload: .restart,
            "The HMAC secret (`JWT_SECRET`); required by `registry serve`."
        ),
        ConfigKey(file, "auth.jwt.leeway", \.auth.leeway, .duration(), reload: .restart, "Clock skew tolerated on exp/nbf."),
        ConfigKey(
            file,
            "auth.jwt.algorithms",
            \.auth.algorithms,
            ValueParser(
                type: "list of HS256 | HS384 | HS512",
                bounds: "not empty",
                parse: { $0.jwtAlgorithms($1) },
                format: { "[" + $0.map(\.rawValue).joined(separator: ", ") + "]" }
            ),
            reload: .restart,
            "The header `alg` values accepted."
        ),
        ConfigKey(file, "auth.jwt.requireExp", \.auth.requireExp, .bool, reload: .restart, "Refuse a token without a numeric exp claim."),
    ]

    private static let metrics: [ConfigKey] = [
        ConfigKey(
            file,
            "metrics.token",
            \.metrics.token,
            ValueParser(type: "secret", parse: { $0.metricsToken($1) }, format: ValueParser<String>.secret.format),
            reload: .restart,
            "When set, `GET /metrics` needs `Authorization: Bearer <token>` (`METRICS_TOKEN`)."
        ),
        ConfigKey(
            file,
            "metrics.port",
            field: "metrics.listener?.port",
            parser: ValueParser<Int?>(
                type: "whole number",
                bounds: "0 to 65535, or empty",
                parse: { reader, node in
                    guard let text = reader.string(node) else { return nil }
                    if text.trimmingWhitespace().isEmpty { return .some(nil) }
                    guard let value = reader.int(node, in: port) else { return nil }
                    return .some(value)
                },
                format: { $0.map { "\($0)" } ?? "<HTTP API port>" }
            ),
            get: { $0.metrics.listener?.port },
            set: { config, port in config.metrics.listener = port.map { ListenerConfig(host: config.http.host, port: $0) } },
            reload: .restart,
            "A listener of its own for `/metrics` (`METRICS_PORT`); empty: the HTTP API port."
        ),
        ConfigKey(
            file,
            "metrics.host",
            field: "metrics.listener?.host",
            parser: ValueParser<String>(
                type: "string",
                bounds: "empty: the HTTP host",
                parse: { $0.string($1) },
                format: { $0.isEmpty ? "<HTTP API host>" : $0 }
            ),
            get: { $0.metrics.listener?.host ?? "" },
            set: { config, host in if !host.isEmpty { config.metrics.listener?.host = host } },
            reload: .restart,
            "The metrics listener's address, with `metrics.port`."
        ),
        ConfigKey(
            file,
            "metrics.public",
            \.metrics.isPublic,
            .bool,
            reload: .restart,
            "Without a token or a port, serve `/metrics` on the HTTP API port (otherwise 403) (`METRICS_PUBLIC`)."
        ),
    ]

    private static let store: [ConfigKey] = [
        ConfigKey(
            file,
            "store.uri",
            \.store.uri,
            ValueParser(
                type: "MongoDB URI",
                bounds: "mongodb:// or mongodb+srv://, or empty",
                parse: { $0.storeURI($1) },
                format: { $0.isEmpty ? "<embedded engine>" : StoreConfig(uri: $0).redactedURI }
            ),
            reload: .restart,
            "Empty: the embedded engine; else MongoDB (`MONGODB_URI`)."
        ),
        ConfigKey(
            file,
            "store.database",
            \.store.database,
            .string(keepsDefaultWhenEmpty: true),
            reload: .restart,
            "The MongoDB database (`MONGODB_DB_NAME`)."
        ),
        ConfigKey(file, "store.poolSize", \.store.poolSize, .int(in: 1...10_000), reload: .restart, "MongoDB connections."),
        ConfigKey(
            file,
            "store.ttlMonitorInterval",
            \.store.ttlMonitorInterval,
            .duration(minimum: .milliseconds(10)),
            reload: .restart,
            "How often expired documents are deleted."
        ),
    ]

    private static let cluster: [ConfigKey] = [
        ConfigKey(
            file,
            "cluster.enabled",
            \.cluster.mode,
            ValueParser(type: "auto | true | false", parse: { $0.clusterMode($1) }, format: { $0 == .on ? "true" : $0 == .off ? "false" : "auto" }),
            reload: .restart,
            "auto: on with MongoDB, off with the embedded engine (`REGISTRY_CLUSTER`)."
        ),
        ConfigKey(
            file,
            "cluster.heartbeatInterval",
            \.cluster.heartbeatInterval,
            .duration(minimum: .milliseconds(10)),
            reload: .restart,
            "How often an instance marks itself alive."
        ),
        ConfigKey(
            file,
            "cluster.instanceTimeout",
            \.cluster.instanceTimeout,
            .duration(minimum: .milliseconds(10)),
            reload: .restart,
            "An instance silent this long is gone (at least twice heartbeatInterval)."
        ),
        ConfigKey(
            file,
            "cluster.inboxPollInterval",
            \.cluster.inboxPollInterval,
            .duration(minimum: .milliseconds(1)),
            reload: .restart,
            "How often an instance reads its inbox."
        ),
    ]

    private static let ice: [ConfigKey] = [
        ConfigKey(
            file,
            "ice.stunUrls",
            \.ice.stunURLs,
            .list(type: "list of stun: URLs", bounds: "comma-separated allowed") { $0.iceURLs($1, kind: .stun) },
            reload: .live,
            "STUN servers handed to WebRTC clients (`STUN_URLS`)."
        ),
        ConfigKey(
            file,
            "ice.turnUrls",
            \.ice.turnURLs,
            .list(type: "list of turn:/turns: URLs", bounds: "comma-separated allowed") { $0.iceURLs($1, kind: .turn) },
            reload: .live,
            "TURN servers handed out with a signed credential (`TURN_URLS`)."
        ),
        ConfigKey(
            file,
            "ice.turnSecret",
            \.ice.turnSecret,
            ValueParser(type: "secret", parse: { $0.string($1)?.trimmingWhitespace() }, format: ValueParser<String>.secret.format),
            reload: .live,
            "coturn's static-auth-secret (`TURN_SECRET`); empty: no TURN entry."
        ),
        ConfigKey(
            file,
            "ice.credentialTtl",
            \.ice.credentialTTL,
            ValueParser(
                type: "duration",
                bounds: "at least 1s, whole seconds",
                parse: { $0.credentialTTL($1) },
                format: { DurationParser.format($0) }
            ),
            reload: .live,
            "How long a handed-out TURN credential is valid."
        ),
    ]
}
