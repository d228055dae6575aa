/// Cross-file checks, run after every file decoded: each name one file or the code refers to must exist.
///
/// A check that needs a file that could not be read or parsed is skipped (its errors would only follow from that
/// one); the checks of the other files still run, so one run reports every independent problem.
struct ConfigChecker {
    let reader: ConfigReader
    let catalog: BindingCatalog?

    func check(_ config: ServerConfiguration) {
        if usable(ConfigLoader.routesFile) {
            checkRoutes(config)
            checkWebSockets(config)
            checkCollections(config)
            checkListenerPorts(config)
        }
        if usable(ConfigLoader.jobsFile) { checkJobs(config) }
        if usable(ConfigLoader.limitsFile), let catalog {
            for name in catalog.requiredTTLs.sorted() where !ttlNames.contains(name) {
                reader.report(
                    .error,
                    "missing TTL '\(name)', which the application uses",
                    at: SourceLocation(file: "limits.yaml"),
                    keyPath: "ttls.\(name)",
                    suggestion: NearestName.suggest(for: name, among: config.limits.ttls.keys)
                )
            }
        }
    }

    /// Whether `file` was read and parsed, so the checks that need it can run.
    private func usable(_ file: String) -> Bool { !reader.unusableFiles.contains(file) }

    private func checkListenerPorts(_ config: ServerConfiguration) {
        let http = config.http
        let ws = config.webSocket
        if http.port != 0, http.port == ws.port, config.webSocketRoutes.count > 0 {
            reader.report(
                .error,
                "the HTTP API and the WebSocket listener both use port \(http.port); give them different ports",
                at: SourceLocation(file: "routes.yaml"),
                keyPath: "websocket.port"
            )
        }
    }

    private var ttlNames: Set<String> { reader.declaredNames["ttls"] ?? [] }

    private func checkRoutes(_ config: ServerConfiguration) {
        var seen: [String: RouteConfig] = [:]
        for (index, route) in config.routes.enumerated() {
            let keyPath = "routes[\(index)]"
            if let catalog, !catalog.httpHandlers.contains(route.handler) {
                reader.report(
                    .error,
                    "unknown handler '\(route.handler)'",
                    at: route.keyLocations["handler"] ?? route.location,
                    keyPath: "\(keyPath).handler",
                    suggestion: NearestName.suggest(for: route.handler, among: catalog.httpHandlers)
                )
            }
            checkNetwork(
                route.network,
                auth: route.auth,
                route: "\(route.method) \(route.path)",
                location: route.location,
                keyLocations: route.keyLocations,
                keyPath: keyPath
            )
            if let name = route.rateLimit, usable(ConfigLoader.limitsFile), !(reader.declaredNames["rateLimits"] ?? []).contains(name) {
                reader.report(
                    .error,
                    "unknown rate limit '\(name)'; define it under rateLimits in limits.yaml",
                    at: route.keyLocations["rateLimit"] ?? route.location,
                    keyPath: "\(keyPath).rateLimit",
                    suggestion: NearestName.suggest(for: name, among: config.limits.rateLimits.keys)
                )
            }
            let signature = "\(route.method) \(RoutePath.shape(of: route.path))"
            if let first = seen[signature] {
                reader.report(
                    .error,
                    "duplicate route \(route.method) \(route.path); it is already declared at \(first.location)",
                    at: route.location,
                    keyPath: keyPath
                )
            } else {
                seen[signature] = route
            }
        }
    }

    private func checkWebSockets(_ config: ServerConfiguration) {
        var seen: [String: WebSocketRouteConfig] = [:]
        for (index, route) in config.webSocketRoutes.enumerated() {
            if let catalog, !catalog.webSocketHandlers.contains(route.handler) {
                reader.report(
                    .error,
                    "unknown WebSocket handler '\(route.handler)'",
                    at: route.keyLocations["handler"] ?? route.location,
                    keyPath: "websockets[\(index)].handler",
                    suggestion: NearestName.suggest(for: route.handler, among: catalog.webSocketHandlers)
                )
            }
            checkNetwork(
                route.network,
                auth: route.auth,
                route: "WebSocket \(route.path)",
                location: route.location,
                keyLocations: route.keyLocations,
                keyPath: "websockets[\(index)]"
            )
            let shape = RoutePath.shape(of: route.path)
            if let first = seen[shape] {
                reader.report(
                    .error,
                    "duplicate WebSocket path \(route.path); it is already declared at \(first.location)",
                    at: route.location,
                    keyPath: "websockets[\(index)]"
                )
            } else {
                seen[shape] = route
            }
        }
    }

    /// A route with `auth: jwt` must say which network it touches, so no route forgets the `networks` claim; a
    /// lookup must be registered.
    private func checkNetwork(
        _ network: NetworkScope?,
        auth: RouteConfig.Auth,
        route: String,
        location: SourceLocation,
        keyLocations: [String: SourceLocation],
        keyPath: String
    ) {
        guard let network else {
            // A `network:` that is written but wrong was reported where it was read.
            guard auth == .jwt, keyLocations["network"] == nil else { return }
            reader.report(
                .error,
                "\(route) has auth: jwt but no `network:`; name the path parameter holding the network (network: networkId), "
                    + "a lookup (network: { lookup: deviceNetwork, param: deviceId }), or write `network: none`",
                at: location,
                keyPath: "\(keyPath).network"
            )
            return
        }
        if case .lookup(let name, _) = network, let catalog, !catalog.networkLookups.contains(name) {
            reader.report(
                .error,
                "unknown network lookup '\(name)'",
                at: keyLocations["network"] ?? location,
                keyPath: "\(keyPath).network.lookup",
                suggestion: NearestName.suggest(for: name, among: catalog.networkLookups)
            )
        }
    }

    private func checkCollections(_ config: ServerConfiguration) {
        for collection in config.collections {
            var names: Set<String> = []
            for index in collection.indexes {
                if !names.insert(index.resolvedName).inserted {
                    reader.report(
                        .error,
                        "duplicate index '\(index.resolvedName)' on collection \(collection.name)",
                        at: index.location,
                        keyPath: "collections.\(collection.name).indexes"
                    )
                }
                if let ttl = index.ttl, usable(ConfigLoader.limitsFile), !ttlNames.contains(ttl) {
                    reader.report(
                        .error,
                        "unknown TTL '\(ttl)'; define it under ttls in limits.yaml",
                        at: index.keyLocations["ttl"] ?? index.location,
                        keyPath: "collections.\(collection.name).indexes.ttl",
                        suggestion: NearestName.suggest(for: ttl, among: config.limits.ttls.keys)
                    )
                }
            }
        }
    }

    private func checkJobs(_ config: ServerConfiguration) {
        guard let catalog else { return }
        for job in config.jobs where !catalog.jobHandlers.contains(job.handler) {
            reader.report(
                .error,
                "unknown job handler '\(job.handler)'",
                at: job.keyLocations["handler"] ?? job.location,
                keyPath: "jobs.\(job.name).handler",
                suggestion: NearestName.suggest(for: job.handler, among: catalog.jobHandlers)
            )
        }
    }
}
