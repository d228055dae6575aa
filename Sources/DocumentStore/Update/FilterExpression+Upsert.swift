extension FilterExpression {
    /// The document an upsert starts from, as MongoDB builds it: the filter's equality
    /// conditions (`{field: value}` and `$eq`, at the top level and inside `$and`), with dotted
    /// paths creating embedded documents. Operators other than equality contribute nothing.
    func upsertSeed() throws -> Document {
        var equalities: [(path: FieldPath, value: Value)] = []
        collectEqualities(into: &equalities)
        let sortedPaths = equalities.map(\.path).sorted { FieldPath.updateOrder($0, $1) }
        for (previous, next) in zip(sortedPaths, sortedPaths.dropFirst()) where previous.isPrefix(of: next) {
            throw StoreError.invalidQuery("cannot infer the upserted document: the filter constrains both '\(previous)' and '\(next)'")
        }
        var document = Document()
        for (path, value) in equalities {
            try document.modifyValue(at: path.components[...], fullPath: path) { $0 = value }
        }
        return document
    }

    private func collectEqualities(into equalities: inout [(path: FieldPath, value: Value)]) {
        switch self {
        case .all(let clauses):
            for clause in clauses { clause.collectEqualities(into: &equalities) }
        case .any(let clauses) where clauses.count == 1:
            clauses[0].collectEqualities(into: &equalities)
        case .field(let path, let predicate):
            if let value = predicate.equalityValue { equalities.append((path, value)) }
        default:
            break
        }
    }
}

extension FieldPredicate {
    /// The value an equality condition fixes, if this is one (or an `$and` of operators containing `$eq`).
    var equalityValue: Value? {
        switch self {
        case .equal(let value): return value
        case .and(let predicates): return predicates.lazy.compactMap(\.equalityValue).first
        default: return nil
        }
    }
}
