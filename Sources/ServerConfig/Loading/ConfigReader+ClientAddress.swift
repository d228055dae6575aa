import Yams

/// routes.yaml `http.trustedProxies`.
extension ConfigReader {
    /// A list of CIDR ranges or bare addresses; each entry may hold several separated by commas, so
    /// `${TRUSTED_PROXIES:-}` can carry a list. Reports each invalid range by its entry and leaves it out.
    func trustedProxies(_ listNode: ConfigNode) -> [CIDR]? {
        let entries: [ConfigNode]
        if case .scalar = listNode.node {
            entries = [listNode]
        } else {
            guard let items = sequence(listNode) else { return nil }
            entries = items
        }
        var proxies: [CIDR] = []
        for entry in entries {
            guard let text = string(entry) else { continue }
            for part in text.split(separator: ",") {
                let range = String(part).trimmingWhitespace()
                guard !range.isEmpty else { continue }
                do {
                    proxies.append(try CIDR(range))
                } catch {
                    self.error("invalid trusted proxy: \(error.message)", at: entry)
                }
            }
        }
        return proxies
    }
}
