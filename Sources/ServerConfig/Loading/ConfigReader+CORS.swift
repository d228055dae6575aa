import Yams

/// routes.yaml `http.cors` and the origin lists it shares with limits.yaml `websocket.allowedOrigins`.
extension ConfigReader {
    /// The checks of `http.cors` that span keys: `CORS_ALLOW_ORIGINS` (when set and not empty) replaces `allowOrigins`,
    /// even when the file has no `cors:`; `'*'` with credentials is an error.
    func applyCORSEnvironment(_ cors: inout CORSConfig, map: MappingReader?) {
        if let text = substitution.environment[CORSConfig.environmentVariable], !text.isEmpty {
            let at = map?["allowOrigins"] ?? map?.node
            if let origins = origins(in: text, from: "\(CORSConfig.environmentVariable)=\(text)", at: at) {
                cors.allowOrigins = origins
                cors.originsFromEnvironment = true
            }
        }
        if cors.allowsAnyOrigin, cors.allowCredentials, let credentialsNode = map?["allowCredentials"] {
            let source = cors.originsFromEnvironment ? " (from \(CORSConfig.environmentVariable))" : ""
            error(
                "allowCredentials: true cannot be used with allowOrigins '*'\(source): browsers refuse it; list the origins that may send credentials",
                at: credentialsNode
            )
        }
    }

    /// A list of origins (entries may hold several separated by commas, so `${VAR:-}` can carry a list), each checked
    /// and lowercased; `'*'` alone means every origin where `allowingAny`.
    func origins(_ node: ConfigNode, allowingAny: Bool) -> [String]? {
        let entries: [ConfigNode]
        if case .scalar = node.node {
            entries = [node]
        } else {
            guard let items = sequence(node) else { return nil }
            entries = items
        }
        var origins: [String] = []
        var valid = true
        for entry in entries {
            guard let text = string(entry) else {
                valid = false
                continue
            }
            guard let parsed = self.origins(in: text, from: text, at: entry, allowingAny: allowingAny) else {
                valid = false
                continue
            }
            origins += parsed
        }
        guard valid else { return nil }
        if origins.contains("*"), origins.count > 1 {
            error("'*' allows every origin; write it alone, or list the origins", at: node)
            return nil
        }
        return origins
    }

    /// The origins of one comma-separated text; reports each invalid one at `node`.
    private func origins(in text: String, from source: String, at node: ConfigNode?, allowingAny: Bool = true) -> [String]? {
        var origins: [String] = []
        var valid = true
        for part in text.split(separator: ",") {
            let written = String(part).trimmingWhitespace()
            guard !written.isEmpty else { continue }
            if written == "*" {
                if allowingAny {
                    if !origins.contains("*") { origins.append("*") }
                } else {
                    originError(at: node, "'*' is not accepted here; leave the list empty to allow every origin, or list the origins")
                    valid = false
                }
                continue
            }
            do {
                let origin = try WebOrigin.normalize(written)
                if !origins.contains(origin) { origins.append(origin) }
            } catch {
                originError(at: node, source == text ? error.message : "\(source): \(error.message)")
                valid = false
            }
        }
        if origins.contains("*"), origins.count > 1 {
            originError(at: node, "'*' allows every origin; write it alone, or list the origins")
            return nil
        }
        return valid ? origins : nil
    }

    private func originError(at node: ConfigNode?, _ message: String) {
        if let node {
            error(message, at: node)
        } else {
            report(.error, message, at: SourceLocation(file: ConfigLoader.routesFile), keyPath: "http.cors.allowOrigins")
        }
    }

    /// A list of HTTP header names (a single value, or comma-separated, is accepted too).
    func headerNames(_ node: ConfigNode) -> [String]? {
        guard let items = stringList(node) else { return nil }
        var names: [String] = []
        for item in items {
            for part in item.split(separator: ",") {
                let name = String(part).trimmingWhitespace()
                guard !name.isEmpty else { continue }
                guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "!#$%&'*+-.^_`|~".contains($0)) }) else {
                    error("'\(name)' is not an HTTP header name", at: node)
                    return nil
                }
                names.append(name)
            }
        }
        return names
    }
}
