/// A comparison operator of a range predicate.
enum ComparisonOperator: Sendable {
    case greaterThan, greaterThanOrEqual, lessThan, lessThanOrEqual
}

/// A condition on the values one field path reaches (MongoDB's per-field query operators).
indirect enum FieldPredicate: Sendable {
    /// `{field: value}` / `$eq`: a reached value equals, or is an array containing, `value`;
    /// `null` also matches a missing field.
    case equal(Value)
    /// `$gt $gte $lt $lte`, within a type bracket (numbers with numbers, dates with dates, ...).
    case compare(ComparisonOperator, Value)
    /// `$in`: equality with any of the values.
    case isIn([Value])
    /// `$exists`.
    case exists(Bool)
    /// `$elemMatch` with operators: one array element satisfies every predicate.
    case elemMatchValue([FieldPredicate])
    /// `$elemMatch` with a query document: one document element matches it.
    case elemMatchDocument(FilterExpression)
    /// `$size`: a reached array has exactly this many elements.
    case size(Int)
    /// `$all`: every value is matched by equality.
    case all([Value])
    /// `$not`, and `$ne` / `$nin` as negated `$eq` / `$in`.
    case not(FieldPredicate)
    /// Several operators on one field: all hold.
    case and([FieldPredicate])

    /// Parses the value of a field in a query document.
    static func parse(_ value: Value, field: String) throws -> FieldPredicate {
        guard case .document(let document) = value, let first = document.keys.first, first.hasPrefix("$") else {
            return .equal(value)
        }
        return try parseOperators(document, field: field)
    }

    /// Parses an operator document such as `{"$gte": 1, "$lt": 5}`.
    static func parseOperators(_ document: Document, field: String) throws -> FieldPredicate {
        var predicates: [FieldPredicate] = []
        for (name, operand) in document {
            predicates.append(try parseOperator(name, operand, field: field))
        }
        return predicates.count == 1 ? predicates[0] : .and(predicates)
    }

    private static func parseOperator(_ name: String, _ operand: Value, field: String) throws -> FieldPredicate {
        switch name {
        case "$eq": return .equal(operand)
        case "$ne": return .not(.equal(operand))
        case "$gt": return .compare(.greaterThan, operand)
        case "$gte": return .compare(.greaterThanOrEqual, operand)
        case "$lt": return .compare(.lessThan, operand)
        case "$lte": return .compare(.lessThanOrEqual, operand)
        case "$in", "$nin", "$all":
            guard case .array(let values) = operand else {
                throw StoreError.invalidQuery("\(name) on '\(field)' needs an array")
            }
            switch name {
            case "$in": return .isIn(values)
            case "$nin": return .not(.isIn(values))
            default: return .all(values)
            }
        case "$exists":
            guard let flag = operand.truthiness else { throw StoreError.invalidQuery("$exists on '\(field)' needs a boolean") }
            return .exists(flag)
        case "$size":
            guard let count = operand.intValue, count >= 0, let size = Int(exactly: count) else {
                throw StoreError.invalidQuery("$size on '\(field)' needs a non-negative integer")
            }
            return .size(size)
        case "$elemMatch":
            guard case .document(let document) = operand else {
                throw StoreError.invalidQuery("$elemMatch on '\(field)' needs a document")
            }
            let logical: Set<String> = ["$and", "$or", "$nor", "$comment"]
            if !document.isEmpty, document.keys.allSatisfy({ $0.hasPrefix("$") && !logical.contains($0) }) {
                return .elemMatchValue(try document.map { try parseOperator($0.key, $0.value, field: field) })
            }
            return .elemMatchDocument(try FilterExpression.parse(document))
        case "$not":
            guard case .document(let document) = operand, let first = document.keys.first, first.hasPrefix("$") else {
                throw StoreError.invalidQuery("$not on '\(field)' needs an operator document such as {\"$gt\": 1}")
            }
            return .not(try parseOperators(document, field: field))
        default:
            throw StoreError.invalidQuery("unknown or unsupported operator \(name) on '\(field)'")
        }
    }

    /// Evaluates the predicate over the outcomes `forAnyLeaf` enumerates (`nil` = missing):
    /// `forAnyLeaf(body)` returns whether `body` held for at least one outcome.
    func evaluate(_ forAnyLeaf: ((Value?) -> Bool) -> Bool) -> Bool {
        switch self {
        case .not(let inner):
            return !inner.evaluate(forAnyLeaf)
        case .and(let predicates):
            return predicates.allSatisfy { $0.evaluate(forAnyLeaf) }
        case .exists(let flag):
            return forAnyLeaf { $0 != nil } == flag
        case .all(let values):
            return !values.isEmpty
                && values.allSatisfy { value in
                    let equality = FieldPredicate.equal(value)
                    return forAnyLeaf { equality.matchesLeaf($0) }
                }
        default:
            return forAnyLeaf { matchesLeaf($0) }
        }
    }

    /// Whether one reached value (or a missing field) satisfies a positive predicate.
    func matchesLeaf(_ leaf: Value?) -> Bool {
        switch self {
        case .elemMatchValue(let predicates):
            guard case .array(let elements) = leaf else { return false }
            return elements.contains { element in
                predicates.allSatisfy { predicate in predicate.evaluate { body in body(element) } }
            }
        case .elemMatchDocument(let expression):
            guard case .array(let elements) = leaf else { return false }
            return elements.contains { element in
                if case .document(let document) = element { return expression.matches(document) }
                return false
            }
        case .size(let count):
            guard case .array(let elements) = leaf else { return false }
            return elements.count == count
        case .not, .and, .exists, .all:
            return evaluate { body in body(leaf) }
        case .equal, .compare, .isIn:
            guard let leaf else { return matchesMissing }
            if matchesValue(leaf) { return true }
            if case .array(let elements) = leaf {
                return elements.contains { matchesValue($0) }
            }
            return false
        }
    }

    /// A missing field matches `null` equality and `$gte`/`$lte` null, as in MongoDB.
    private var matchesMissing: Bool {
        switch self {
        case .equal(let value): return value.isNull
        case .isIn(let values): return values.contains { $0.isNull }
        case .compare(.greaterThanOrEqual, let value), .compare(.lessThanOrEqual, let value): return value.isNull
        default: return false
        }
    }

    private func matchesValue(_ value: Value) -> Bool {
        switch self {
        case .equal(let expected):
            return Value.equalsForQuery(value, expected)
        case .isIn(let candidates):
            return candidates.contains { Value.equalsForQuery(value, $0) }
        case .compare(let comparison, let bound):
            guard value.canonicalTypeRank == bound.canonicalTypeRank else { return false }
            let order = Value.compare(value, bound)
            switch comparison {
            case .greaterThan: return order > 0 && !bound.isNull
            case .greaterThanOrEqual: return order >= 0
            case .lessThan: return order < 0 && !bound.isNull
            case .lessThanOrEqual: return order <= 0
            }
        default:
            return false
        }
    }
}

extension Value {
    /// MongoDB's truthiness for flags such as `$exists` and projection values: booleans, and numbers (non-zero is true).
    var truthiness: Bool? {
        switch self {
        case .bool(let flag): return flag
        case .int(let number): return number != 0
        case .double(let number): return number != 0
        case .null: return false
        default: return nil
        }
    }
}
