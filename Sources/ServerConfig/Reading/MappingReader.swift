import Yams

/// The entries of one YAML mapping, looked up by key.
///
/// Created by `ConfigReader.mapping(_:allowed:)`, which has already reported unknown and duplicate keys.
struct MappingReader {
    /// The mapping node itself.
    let node: ConfigNode
    /// Entries in file order: the key as written, the key's own node (for its location) and the value.
    let entries: [(key: String, keyNode: ConfigNode, value: ConfigNode)]

    /// The value at `key`, if present and not null.
    subscript(key: String) -> ConfigNode? {
        guard let entry = entries.first(where: { $0.key == key }), !entry.value.isNull else { return nil }
        return entry.value
    }

    /// Where each written key is, by key.
    var keyLocations: [String: SourceLocation] {
        Dictionary(entries.map { ($0.key, $0.keyNode.location) }, uniquingKeysWith: { first, _ in first })
    }

    /// True if the key is written, even with a null value.
    func contains(_ key: String) -> Bool { entries.contains { $0.key == key } }
}
