/// The resolved configuration as YAML-like text, for `registry check`. Secrets are redacted.
extension ServerConfiguration {
    /// Every resolved value, one per line, in the files' order.
    public func summary() -> String {
        var lines: [String] = []
        func add(_ indent: Int, _ text: String) { lines.append(String(repeating: "  ", count: indent) + text) }
        add(0, "# resolved from \(directory) (routes.yaml, limits.yaml, jobs.yaml)")
        add(0, "service: \(service)")
        let proxies =
            clientAddress.trustedProxies.isEmpty
            ? "[] (none: the TCP peer is the client)" : "[\(clientAddress.trustedProxies.map(\.description).joined(separator: ", "))]"
        add(
            0,
            "http: { host: \(http.host), port: \(http.port), backlog: \(http.backlog), trustedProxies: \(proxies), forwardedHeader: \(clientAddress.header.rawValue), openapi: \(openAPI) }"
        )
        add(0, "http.cors: \(cors.summary)")
        add(0, "websocket: { host: \(webSocket.host), port: \(webSocket.port), backlog: \(webSocket.backlog) }")
        let secret = auth.hasSecret ? "<set, \(auth.jwtSecret.utf8.count) bytes>" : "<not set>"
        add(
            0,
            "auth: { jwt: { secret: \(secret), leeway: \(DurationParser.format(auth.leeway)), algorithms: [\(auth.algorithms.map(\.rawValue).joined(separator: ", "))], requireExp: \(auth.requireExp) } }"
        )
        let metricsListener = metrics.listener.map { "{ host: \($0.host), port: \($0.port) }" } ?? "<HTTP API port>"
        add(0, "metrics: { token: \(metrics.requiresToken ? "<set>" : "<not set>"), listener: \(metricsListener), public: \(metrics.isPublic) }")
        let backend = store.usesMongoDB ? "mongodb \(store.redactedURI)" : "embedded"
        add(
            0,
            "store: { backend: \(backend), database: \(store.database), poolSize: \(store.poolSize), ttlMonitorInterval: \(DurationParser.format(store.ttlMonitorInterval)) }"
        )
        add(
            0,
            "cluster: { enabled: \(cluster.mode.rawValue), heartbeatInterval: \(DurationParser.format(cluster.heartbeatInterval)), instanceTimeout: \(DurationParser.format(cluster.instanceTimeout)), inboxPollInterval: \(DurationParser.format(cluster.inboxPollInterval)) }"
        )
        add(0, "ice: \(ice.summary)")
        add(0, "routes:")
        for route in routes {
            var text = "- \(route.method) \(route.path) -> \(route.handler) (auth: \(route.auth.rawValue)"
            if let limit = route.rateLimit { text += ", rateLimit: \(limit)" }
            if let network = route.network { text += ", network: \(network)" }
            add(1, text + ")")
            for (location, rules) in [("params", route.params), ("query", route.query), ("body", route.body)] where !rules.isEmpty {
                add(2, "\(location): " + rules.map { $0.field + ($0.optional ? "?" : "") }.joined(separator: ", "))
            }
        }
        add(0, "websockets:")
        for route in webSocketRoutes {
            add(1, "- \(route.path) -> \(route.handler) (auth: \(route.auth.rawValue)\(route.network.map { ", network: \($0)" } ?? ""))")
        }
        add(0, "collections:")
        for collection in collections {
            add(1, "\(collection.name):")
            for index in collection.indexes {
                var text = "- \(index.resolvedName)"
                if index.unique { text += " unique" }
                if let seconds = index.expireAfterSeconds { text += " expireAfterSeconds: \(seconds)" }
                if let ttl = index.ttl { text += " ttl: \(ttl)" }
                add(2, text)
            }
        }
        add(0, "limits:")
        add(
            1,
            "http: { maxBodySize: \(ByteSizeParser.format(limits.maxBodySize)), maxHeaderSize: \(ByteSizeParser.format(limits.maxHeaderSize)), "
                + "idleTimeout: \(DurationParser.format(limits.idleTimeout)), bodyReadTimeout: \(DurationParser.format(limits.bodyReadTimeout)) }"
        )
        add(
            1,
            "websocket: { maxFrameSize: \(ByteSizeParser.format(limits.maxFrameSize)), pingInterval: \(DurationParser.format(limits.pingInterval)) }"
        )
        let ws = limits.webSocket
        add(
            2,
            "connections: { maxConnections: \(ws.maxConnections), maxConnectionsPerUser: \(ws.maxConnectionsPerUser), maxConnectionsPerIP: \(ws.maxConnectionsPerIP), connectsPerMinutePerUser: \(ws.connectsPerMinutePerUser), connectsPerMinutePerIP: \(ws.connectsPerMinutePerIP) }"
        )
        add(
            2,
            "rates: { messagesPerSecondPerUser: \(ws.messagesPerSecondPerUser), messagesPerSecondPerIP: \(ws.messagesPerSecondPerIP), bytesPerSecondPerUser: \(ByteSizeParser.format(ws.bytesPerSecondPerUser)), bytesPerSecondPerIP: \(ByteSizeParser.format(ws.bytesPerSecondPerIP)), maxRateViolations: \(ws.maxRateViolations) }"
        )
        add(
            2,
            "buffers: { sendBuffer: \(ByteSizeParser.format(ws.sendBufferBytes)), sendBufferMessages: \(ws.sendBufferMessages), slowConsumerOverflow: \(ws.slowConsumerOverflow), slowConsumerCloseTimeout: \(DurationParser.format(ws.slowConsumerCloseTimeout)), maxBufferedBytes: \(ByteSizeParser.format(ws.maxBufferedBytes)) }"
        )
        add(
            2,
            "handshake: { handshakeTimeout: \(DurationParser.format(ws.handshakeTimeout)), maxHeaderSize: \(ByteSizeParser.format(ws.maxHeaderSize)) }"
        )
        let origins =
            ws.allowedOrigins.isEmpty
            ? "[] (no check: any Origin, or none, may upgrade)"
            : "[\(ws.allowedOrigins.joined(separator: ", "))] (an upgrade with another Origin gets 403)"
        add(2, "allowedOrigins: \(origins)")
        let throttle = limits.authThrottle
        add(
            1,
            "authThrottle: { window: \(DurationParser.format(throttle.window)), slowAfter: \(throttle.slowAfter), delay: \(DurationParser.format(throttle.delay)), maxDelay: \(DurationParser.format(throttle.maxDelay)), maxFailures: \(throttle.maxFailures), blockFor: \(DurationParser.format(throttle.blockFor)) }"
        )
        add(1, "presence: { diffInterval: \(DurationParser.format(limits.presence.diffInterval)) }")
        add(1, "rateLimits:")
        for limit in limits.rateLimits.values.sorted(by: { $0.name < $1.name }) {
            add(
                2,
                "\(limit.name): { window: \(DurationParser.format(limit.window)), max: \(limit.max), key: \(limit.key.rawValue), message: \"\(limit.message)\", scope: \(limit.scope.rawValue) }"
            )
        }
        add(1, "ttls:")
        for (name, value) in limits.ttls.sorted(by: { $0.key < $1.key }) { add(2, "\(name): \(DurationParser.format(value))") }
        add(1, "settings:")
        for (name, value) in limits.settings.sorted(by: { $0.key < $1.key }) { add(2, "\(name): \(value)") }
        add(0, "jobs:")
        for job in jobs {
            add(
                1,
                "\(job.name): { handler: \(job.handler), interval: \(DurationParser.format(job.interval)), lease: \(DurationParser.format(job.lease)), enabled: \(job.enabled) }"
            )
        }
        return lines.joined(separator: "\n")
    }

    /// The routes as an aligned table: method, path, handler, auth, rate limit.
    public func routeTable() -> String {
        var rows = [["METHOD", "PATH", "HANDLER", "AUTH", "RATE LIMIT"]]
        rows += routes.map { [$0.method, $0.path, $0.handler, $0.auth.rawValue, $0.rateLimit ?? "-"] }
        rows += webSocketRoutes.map { ["WS", $0.path, $0.handler, $0.auth.rawValue, "-"] }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.0.padding(toLength: $0.1) }.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }

    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
