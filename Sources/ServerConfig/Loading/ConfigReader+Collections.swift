/// routes.yaml key `collections`: a mapping of collection name to `{ indexes: [...] }`.
extension ConfigReader {
    func collections(_ node: ConfigNode?) -> [CollectionConfig] {
        guard let node, let map = mapping(node) else { return [] }
        return map.entries.compactMap { entry in
            guard let collection = mapping(entry.value, allowed: ["indexes"]) else { return nil }
            let indexes = collection["indexes"].flatMap(sequence).map { $0.compactMap(index) } ?? []
            return CollectionConfig(name: entry.key, indexes: indexes, location: entry.keyNode.location)
        }
    }

    /// `{ keys: { field: 1 | -1, ... }, unique, expireAfterSeconds, ttl, name }`.
    private func index(_ node: ConfigNode) -> IndexConfig? {
        let allowed = ["keys", "unique", "expireAfterSeconds", "ttl", "name"]
        guard let map = mapping(node, allowed: allowed, required: ["keys"]), let keysNode = map["keys"],
            let keysMap = mapping(keysNode)
        else { return nil }
        var keys: [IndexConfig.Key] = []
        for entry in keysMap.entries {
            guard let direction = int(entry.value) else { continue }
            guard direction == 1 || direction == -1 else {
                error("an index direction is 1 (ascending) or -1 (descending), found \(direction)", at: entry.value)
                continue
            }
            keys.append(IndexConfig.Key(field: entry.key, direction: direction))
        }
        guard !keys.isEmpty, keys.count == keysMap.entries.count else {
            if keysMap.entries.isEmpty { error("an index needs at least one key", at: keysNode) }
            return nil
        }
        var index = IndexConfig(keys: keys, location: node.location)
        index.keyLocations = map.keyLocations
        index.unique = map["unique"].flatMap(bool) ?? false
        index.name = map["name"].flatMap(string)
        if let expiryNode = map["expireAfterSeconds"] {
            index.expireAfterSeconds = int(expiryNode, in: 0...Int(Int32.max))
            if keys.count != 1 { error("a TTL index (expireAfterSeconds) has exactly one key", at: expiryNode) }
        }
        if let ttlNode = map["ttl"] {
            index.ttl = string(ttlNode)
            if index.expireAfterSeconds == nil {
                error("'ttl' names the lifetime written into a TTL index's field; add expireAfterSeconds: 0", at: ttlNode)
            }
        }
        return index
    }
}
