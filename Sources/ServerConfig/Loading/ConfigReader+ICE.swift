import Yams

/// routes.yaml `ice:`.
extension ConfigReader {
    /// `ice:` — `stunUrls` and `turnUrls` (lists; an entry may hold several separated by commas, so `${STUN_URLS:-}`
    /// carries a list), `turnSecret` and `credentialTtl` (at least 1s, a fraction of a second dropped; default 10m). Each invalid URL is an
    /// error at its entry. TURN URLs without a secret, or a secret without TURN URLs, are warnings: nothing is signed.
    func ice(_ node: ConfigNode?) -> ICEConfig {
        var ice = ICEConfig()
        guard let node, let map = mapping(node, allowed: ["stunUrls", "turnUrls", "turnSecret", "credentialTtl"]) else { return ice }
        if let list = map["stunUrls"] { ice.stunURLs = iceURLs(list, kind: .stun) }
        if let list = map["turnUrls"] { ice.turnURLs = iceURLs(list, kind: .turn) }
        // The secret is never echoed: a diagnostic names its key and length only.
        if let secretNode = map["turnSecret"], let secret = string(secretNode) {
            ice.turnSecret = secret.trimmingWhitespace()
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
        if let ttlNode = map["credentialTtl"], let ttl = duration(ttlNode, minimum: .seconds(1)) {
            // A TURN username's expiry is a Unix time in seconds: a fraction of a second is dropped.
            ice.credentialTTL = .seconds(ttl.components.seconds)
            if ttl > .seconds(86_400) {
                warning("TURN credentials valid for more than a day cannot be taken back for that long; keep credentialTtl short", at: ttlNode)
            }
        }
        return ice
    }

    /// A list of STUN or TURN URLs; each entry may hold several separated by commas. Reports each invalid one at its
    /// entry and leaves it out.
    private func iceURLs(_ node: ConfigNode, kind: ICEServerURL.Kind) -> [String] {
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
