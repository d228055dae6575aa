/// A compiled sort specification: compares documents by MongoDB's rules.
///
/// A field that is an array sorts by its smallest element ascending and its largest descending;
/// a missing field sorts as `null`; an empty array sorts before `null`.
struct DocumentOrdering: Sendable {
    private let keys: [(path: FieldPath, descending: Bool)]

    init(_ sort: [SortKey]) throws {
        for key in sort where key.field.isEmpty || key.field.hasPrefix("$") {
            throw StoreError.invalidQuery("sort field '\(key.field)' is not a valid path")
        }
        var seen: Set<String> = []
        for key in sort where !seen.insert(key.field).inserted {
            throw StoreError.invalidQuery("sort field '\(key.field)' appears twice")
        }
        self.keys = sort.map { (FieldPath($0.field), $0.direction == .descending) }
    }

    var isEmpty: Bool { keys.isEmpty }

    /// The sort key of each field for one document (`nil` = empty array, below everything).
    func sortKeys(of document: Document) -> [Value?] {
        keys.map { key in Self.sortKey(of: document, path: key.path, descending: key.descending) }
    }

    /// Orders two precomputed key lists; `true` when `lhs` sorts strictly first.
    func areInIncreasingOrder(_ lhs: [Value?], _ rhs: [Value?]) -> Bool {
        for (index, key) in keys.enumerated() {
            let order = Self.compareKeys(lhs[index], rhs[index])
            if order != 0 { return key.descending ? order > 0 : order < 0 }
        }
        return false
    }

    /// Sorts documents stably (ties keep their natural order).
    func sorted(_ documents: [Document]) -> [Document] {
        guard !keys.isEmpty else { return documents }
        let decorated = documents.enumerated().map { (offset: $0.offset, keys: sortKeys(of: $0.element), document: $0.element) }
        return decorated.sorted { lhs, rhs in
            if areInIncreasingOrder(lhs.keys, rhs.keys) { return true }
            if areInIncreasingOrder(rhs.keys, lhs.keys) { return false }
            return lhs.offset < rhs.offset
        }.map(\.document)
    }

    private static func compareKeys(_ lhs: Value?, _ rhs: Value?) -> Int {
        switch (lhs, rhs) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        case (let left?, let right?): return Value.compare(left, right)
        }
    }

    private static func sortKey(of document: Document, path: FieldPath, descending: Bool) -> Value? {
        var best: Value?
        var sawEmptyArray = false
        var sawAny = false
        _ = PathTraversal.anyLeaf(in: document, path: path.components[...]) { leaf in
            let candidates: [Value]
            switch leaf {
            case nil: candidates = [.null]
            case .array(let elements)?:
                if elements.isEmpty { sawEmptyArray = true }
                candidates = elements
            case let value?: candidates = [value]
            }
            for candidate in candidates {
                sawAny = true
                if let current = best {
                    let order = Value.compare(candidate, current)
                    if descending ? order > 0 : order < 0 { best = candidate }
                } else {
                    best = candidate
                }
            }
            return false
        }
        if !sawAny && sawEmptyArray { return nil }
        if sawEmptyArray && !descending { return nil }
        return best ?? .null
    }
}
