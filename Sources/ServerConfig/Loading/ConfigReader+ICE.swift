import Yams

/// routes.yaml `ice:` beyond its types.
extension ConfigReader {
    /// The warnings of `ice:`: TURN URLs without a secret, or a secret without TURN URLs, sign nothing; a short secret
    /// is guessable. The secret is never echoed: a diagnostic names its key and length only.
    func checkICE(_ ice: ICEConfig, map: MappingReader?) {
        guard let map else { return }
        if let secretNode = map["turnSecret"] {
            if ice.turnSecret.isEmpty, !ice.turnURLs.isEmpty, let urls = map["turnUrls"] {
                warning("turnUrls are set but turnSecret (TURN_SECRET) is empty: TURN is not handed out, clients get the STUN URLs only", at: urls)
            } else if !ice.turnSecret.isEmpty, ice.turnURLs.isEmpty {
                warning("turnSecret is set but there are no turnUrls (TURN_URLS): no TURN server is handed out", at: secretNode)
            } else if !ice.turnSecret.isEmpty, ice.turnSecret.utf8.count < 16 {
                warning("the TURN secret is shorter than 16 bytes; use a random one (`openssl rand -hex 32`)", at: secretNode)
            }
        } else if !ice.turnURLs.isEmpty, let urls = map["turnUrls"] {
            warning("turnUrls are set but there is no turnSecret: TURN is not handed out, clients get the STUN URLs only", at: urls)
        }
    }

    /// `ice.credentialTtl`: at least 1s; a fraction of a second is dropped (a TURN username's expiry is a Unix time in
    /// seconds); over a day is a warning.
    func credentialTTL(_ node: ConfigNode) -> Duration? {
        guard let ttl = duration(node, minimum: .seconds(1)) else { return nil }
        if ttl > .seconds(86_400) {
            warning("TURN credentials valid for more than a day cannot be taken back for that long; keep credentialTtl short", at: node)
        }
        return .seconds(ttl.components.seconds)
    }

    /// A list of STUN or TURN URLs; each entry may hold several separated by commas. Reports each invalid one at its
    /// entry and leaves it out.
    func iceURLs(_ node: ConfigNode, kind: ICEServerURL.Kind) -> [String]? {
        let entries: [ConfigNode]
        if case .scalar = node.node {
            entries = [node]
        } else {
            guard let items = sequence(node) else { return [] }
            entries = items
        }
        var urls: [String] = []
        for entry in entries {
            guard let text = string(entry) else { continue }
            for part in text.split(separator: ",") {
                let url = String(part).trimmingWhitespace()
                guard !url.isEmpty else { continue }
                do {
                    try ICEServerURL.check(url, kind: kind)
                    if !urls.contains(url) { urls.append(url) }
                } catch {
                    self.error("invalid \(kind == .stun ? "STUN" : "TURN") URL: \(error.message)", at: entry)
                }
            }
        }
        return urls
    }
}
