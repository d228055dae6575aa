/// How the memory engine finds the candidates of a filter.
package enum QueryPlan: Sendable, Equatable, CustomStringConvertible {
    /// Every document is examined.
    case collectionScan
    /// Lookups in the `_id` index.
    case idLookup(keys: Int)
    /// Lookups of `keys` keys on the first `fields` fields of the named index.
    case indexLookup(index: String, fields: Int, keys: Int)

    package var description: String {
        switch self {
        case .collectionScan: return "COLLSCAN"
        case .idLookup(let keys): return "IDHACK(\(keys) keys)"
        case .indexLookup(let index, let fields, let keys): return "IXSCAN \(index) (\(fields) fields, \(keys) keys)"
        }
    }

    /// The name of the index used, if any.
    package var indexName: String? {
        switch self {
        case .collectionScan: return nil
        case .idLookup: return "_id_"
        case .indexLookup(let index, _, _): return index
        }
    }
}

/// Counters of the memory engine's query work, for tests and benchmarks.
package struct QueryStatistics: Sendable, Equatable {
    /// Documents whose filter was evaluated.
    package var documentsExamined = 0
    /// Queries answered by scanning every document.
    package var collectionScans = 0
    /// Queries answered through an index (`_id` included).
    package var indexLookups = 0
    /// The plan of the most recent query.
    package var lastPlan: QueryPlan?

    package init() {}
}

/// The equality (and `$in`) conditions of a filter's top-level conjunction, by path: a filter names a few paths, so
/// they are kept in a list searched in order (cheaper than hashing each path for a dictionary).
struct EqualityConditions {
    private(set) var entries: [(path: String, values: [Value])] = []

    init(_ expression: FilterExpression) {
        for clause in expression.conjuncts {
            guard case .field(let path, let predicate) = clause, let values = predicate.indexableValues else { continue }
            if let position = entries.firstIndex(where: { $0.path == path.raw }) {
                if entries[position].values.count > values.count { entries[position].values = values }
            } else {
                entries.append((path.raw, values))
            }
        }
    }

    /// Whether no path has a condition.
    var isEmpty: Bool { entries.isEmpty }

    /// The values a path must equal one of, or nil.
    subscript(path: String) -> [Value]? {
        entries.first { $0.path == path }?.values
    }
}

extension FieldPredicate {
    /// The values an index can look up for this predicate: `$eq`/`$in` on values other than null and arrays
    /// (null also matches missing fields and array equality has whole-array semantics; both are left to scans).
    var indexableValues: [Value]? {
        switch self {
        case .equal(let value):
            return value.isIndexableEquality ? [value] : nil
        case .isIn(let values):
            return values.allSatisfy(\.isIndexableEquality) ? values : nil
        case .and(let predicates):
            return predicates.compactMap(\.indexableValues).min { $0.count < $1.count }
        default:
            return nil
        }
    }
}

extension Value {
    var isIndexableEquality: Bool {
        switch self {
        case .null, .array: return false
        default: return true
        }
    }
}
