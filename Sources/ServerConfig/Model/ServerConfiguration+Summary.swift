/// The resolved configuration as YAML-like text, for `registry check`. Secrets are redacted.
extension ServerConfiguration {
    /// Every resolved value in the files' order: the keyed sections from ``ConfigKeys`` (a section of more than eight
    /// keys one key a line), then the lists and named sections.
    public func summary() -> String {
        var lines: [String] = []
        func add(_ indent: Int, _ text: String) { lines.append(String(repeating: "  ", count: indent) + text) }
        add(0, "# resolved from \(directory) (routes.yaml, limits.yaml, jobs.yaml)")
        lines += keyedSections(of: ConfigLoader.routesFile, indent: 0)
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
        lines += keyedSections(of: ConfigLoader.limitsFile, indent: 1)
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

    /// The table's sections of `file`: top-level keys one a line, a section of up to eight keys as one
    /// `section: { key: value, … }` line, a longer one as `section:` and one key a line.
    private func keyedSections(of file: String, indent: Int) -> [String] {
        let pad = String(repeating: "  ", count: indent)
        var lines: [String] = []
        for section in ConfigKeys.sections(in: file) {
            let keys = ConfigKeys.keys(in: file).filter { $0.section == section }
            let values = keys.map { "\($0.name): \($0.value(in: self))\(note(for: $0).map { " " + $0 } ?? "")" }
            if section.isEmpty {
                lines += values.map { pad + $0 }
            } else if keys.count > 8 {
                lines.append(pad + section + ":")
                lines += values.map { pad + "  " + $0 }
            } else {
                lines.append(pad + section + ": { " + values.joined(separator: ", ") + " }")
            }
        }
        return lines
    }

    /// What a value means where that is not plain from it.
    private func note(for key: ConfigKey) -> String? {
        switch (key.file, key.path) {
        case (ConfigLoader.routesFile, "http.trustedProxies"):
            clientAddress.trustedProxies.isEmpty ? "(none: the TCP peer is the client)" : nil
        case (ConfigLoader.routesFile, "http.cors.allowOrigins"):
            cors.originsFromEnvironment
                ? "(from \(CORSConfig.environmentVariable))" : cors.isEnabled ? nil : "(off: no browser page on another origin can read the API)"
        case (ConfigLoader.limitsFile, "websocket.allowedOrigins"):
            limits.webSocket.allowedOrigins.isEmpty ? "(no check: any Origin, or none, may upgrade)" : "(an upgrade with another Origin gets 403)"
        default: nil
        }
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
