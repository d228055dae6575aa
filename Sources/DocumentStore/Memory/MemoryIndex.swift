/// A secondary index of the memory engine: hash maps from key to document slots.
///
/// A compound index over k fields keeps k maps, one per key prefix, so a query with equality on
/// the first j fields is one hash lookup. An array value is indexed per element (multikey), a
/// missing field as null and an empty array as `undefined`, as in MongoDB.
struct MemoryIndex: Sendable {
    let spec: IndexSpec
    let paths: [FieldPath]
    /// The top-level fields the paths start with: a document's keys here depend on these fields' values only.
    let roots: [String]
    /// `levels[j]` maps the key of the first `j + 1` fields to slots; the last level is the full key.
    private(set) var levels: [[IndexEntryKey: SlotSet]]

    init(spec: IndexSpec) {
        self.spec = spec
        self.paths = spec.keys.map { FieldPath($0.field) }
        var roots: [String] = []
        for root in paths.compactMap(\.components.first) where !roots.contains(root) { roots.append(root) }
        self.roots = roots
        self.levels = Array(repeating: [:], count: spec.keys.count)
    }

    /// The distinct full keys of a document (one unless the document is multikey here). Throws
    /// ``StoreError/Code/invalidDocument`` when two indexed fields hold different arrays
    /// ("cannot index parallel arrays").
    func keys(of document: Document) throws -> [IndexEntryKey] {
        if paths.count == 1, let path = paths.first {
            // One top-level field that is not an array (a date, a string): its value is the key.
            if path.components.count == 1 {
                switch document[path.components[0]] {
                case nil: return [IndexEntryKey(head: .null, tail: [])]
                case .array?: break
                case let value?: return [IndexEntryKey(head: IndexValue(value), tail: [])]
                }
            }
            return Self.values(of: document, path: path).0.map { IndexEntryKey(head: $0, tail: []) }
        }
        var perField: [[IndexValue]] = []
        perField.reserveCapacity(paths.count)
        var arrayRoot: String?
        for path in paths {
            let (values, multikey) = Self.values(of: document, path: path)
            if multikey, let root = path.components.first {
                if let arrayRoot, arrayRoot != root {
                    throw StoreError(
                        code: .invalidDocument,
                        message: "cannot index parallel arrays: index '\(spec.name)' has array values in both '\(arrayRoot)' and '\(root)'",
                        indexName: spec.name
                    )
                }
                arrayRoot = root
            }
            perField.append(values)
        }
        var keys: [[IndexValue]] = [[]]
        for values in perField {
            keys = keys.flatMap { prefix in values.map { prefix + [$0] } }
        }
        return keys.map(IndexEntryKey.init)
    }

    /// True when `old` and `new` hold the same values, as this index sees them, in every top-level field it reads:
    /// their keys here are then the same, and an update from one to the other need not touch this index. Compared as
    /// index values (strings byte for byte, numbers by value), not with `Value`'s `==`, under which canonically
    /// equivalent strings are equal though their keys differ.
    func readsSameValues(_ old: Document, _ new: Document) -> Bool {
        roots.allSatisfy { IndexValue(old[$0] ?? .null) == IndexValue(new[$0] ?? .null) }
    }

    /// The distinct key values of one path, and whether the path went through an array.
    private static func values(of document: Document, path: FieldPath) -> ([IndexValue], Bool) {
        var values: [IndexValue] = []
        var multikey = false
        _ = PathTraversal.anyLeaf(in: document, path: path.components[...]) { leaf in
            switch leaf {
            case nil:
                values.append(.null)
            case .array(let elements)?:
                multikey = true
                if elements.isEmpty {
                    values.append(.undefined)
                } else {
                    values.append(contentsOf: elements.map(IndexValue.init))
                }
            case let value?:
                values.append(IndexValue(value))
            }
            return false
        }
        if values.count > 1 {
            multikey = true
            var seen: Set<IndexValue> = []
            values = values.filter { seen.insert($0).inserted }
        }
        return (values, multikey)
    }

    /// Whether a document other than `slot` already has one of `keys` (for unique indexes).
    func hasConflict(_ keys: [IndexEntryKey], excluding slot: Int?) -> Bool {
        guard let full = levels.last else { return false }
        return keys.contains { full[$0]?.containsOther(than: slot) ?? false }
    }

    mutating func add(slot: Int, keys: [IndexEntryKey]) {
        for level in levels.indices {
            for key in Self.prefixes(of: keys, count: level + 1) {
                levels[level][key, default: .one(slot)].insert(slot)
            }
        }
    }

    mutating func remove(slot: Int, keys: [IndexEntryKey]) {
        for level in levels.indices {
            for key in Self.prefixes(of: keys, count: level + 1) {
                removeEntry(level: level, key: key, slot: slot)
            }
        }
    }

    /// Moves a slot from its old keys to its new keys, touching only the keys that differ.
    mutating func update(slot: Int, from oldKeys: [IndexEntryKey], to newKeys: [IndexEntryKey]) {
        guard oldKeys != newKeys else { return }
        for level in levels.indices {
            let old = Self.prefixes(of: oldKeys, count: level + 1)
            let new = Self.prefixes(of: newKeys, count: level + 1)
            if old == new { continue }
            if old.count == 1 && new.count == 1 {
                removeEntry(level: level, key: old[0], slot: slot)
                levels[level][new[0], default: .one(slot)].insert(slot)
                continue
            }
            let oldSet = Set(old)
            let newSet = Set(new)
            for key in old where !newSet.contains(key) { removeEntry(level: level, key: key, slot: slot) }
            for key in new where !oldSet.contains(key) { levels[level][key, default: .one(slot)].insert(slot) }
        }
    }

    /// The slots whose first `values.count` key values are `values`.
    func lookup(_ values: [IndexValue]) -> SlotSet? {
        guard !values.isEmpty, values.count <= levels.count else { return nil }
        return levels[values.count - 1][IndexEntryKey(values)]
    }

    /// Every `(key, slots)` pair of the first field, for the TTL reaper.
    var firstFieldEntries: [IndexEntryKey: SlotSet] {
        levels.first ?? [:]
    }

    private mutating func removeEntry(level: Int, key: IndexEntryKey, slot: Int) {
        guard let position = levels[level].index(forKey: key) else { return }
        if !levels[level].values[position].remove(slot) { levels[level].remove(at: position) }
    }

    /// The distinct keys of the first `count` fields.
    private static func prefixes(of keys: [IndexEntryKey], count: Int) -> [IndexEntryKey] {
        guard let sample = keys.first, sample.tail.count + 1 > count else { return keys }
        if keys.count == 1 { return [sample.prefix(count)] }
        var seen: Set<IndexEntryKey> = []
        return keys.map { $0.prefix(count) }.filter { seen.insert($0).inserted }
    }
}
