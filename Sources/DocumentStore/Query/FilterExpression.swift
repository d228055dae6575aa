/// A compiled ``Filter``: the query document parsed once into a tree of predicates.
enum FilterExpression: Sendable {
    /// Every clause holds (`$and`, and the fields of one query document).
    case all([FilterExpression])
    /// At least one clause holds (`$or`).
    case any([FilterExpression])
    /// No clause holds (`$nor`).
    case none([FilterExpression])
    /// A predicate on the values a field path reaches.
    case field(FieldPath, FieldPredicate)

    /// Parses a query document; throws ``StoreError/Code/invalidQuery`` for unknown or malformed operators.
    init(_ filter: Filter) throws {
        self = try Self.parse(filter.document)
    }

    static func parse(_ document: Document) throws -> FilterExpression {
        var clauses: [FilterExpression] = []
        clauses.reserveCapacity(document.count)
        for (key, value) in document {
            if key.hasPrefix("$") {
                switch key {
                case "$and", "$or", "$nor":
                    guard case .array(let elements) = value, !elements.isEmpty else {
                        throw StoreError.invalidQuery("\(key) must be a non-empty array of query documents")
                    }
                    let subclauses = try elements.map { element -> FilterExpression in
                        guard case .document(let subdocument) = element else {
                            throw StoreError.invalidQuery("\(key) must contain only query documents")
                        }
                        return try parse(subdocument)
                    }
                    switch key {
                    case "$and": clauses.append(.all(subclauses))
                    case "$or": clauses.append(.any(subclauses))
                    default: clauses.append(.none(subclauses))
                    }
                case "$comment":
                    continue
                default:
                    throw StoreError.invalidQuery("unknown top level operator: \(key)")
                }
            } else {
                clauses.append(.field(FieldPath(key), try FieldPredicate.parse(value, field: key)))
            }
        }
        return clauses.count == 1 ? clauses[0] : .all(clauses)
    }

    /// Whether `document` satisfies the filter.
    func matches(_ document: Document) -> Bool {
        switch self {
        case .all(let clauses):
            return clauses.allSatisfy { $0.matches(document) }
        case .any(let clauses):
            return clauses.contains { $0.matches(document) }
        case .none(let clauses):
            return !clauses.contains { $0.matches(document) }
        case .field(let path, let predicate):
            return predicate.evaluate { body in PathTraversal.anyLeaf(in: document, path: path.components[...], body) }
        }
    }

    /// The top-level conjunction's clauses (nested `$and`s flattened).
    var conjuncts: [FilterExpression] {
        switch self {
        case .all(let clauses): return clauses.flatMap(\.conjuncts)
        default: return [self]
        }
    }
}
