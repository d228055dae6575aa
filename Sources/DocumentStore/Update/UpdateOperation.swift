/// One compiled update operation on one field path.
enum UpdateOperation: Sendable {
    /// `$set`
    case set(Value)
    /// `$setOnInsert`: applied only when an upsert inserts.
    case setOnInsert(Value)
    /// `$unset`
    case unset
    /// `$inc` by a number.
    case increment(Value)
    /// `$mul` by a number.
    case multiply(Value)
    /// `$min`
    case minimum(Value)
    /// `$max`
    case maximum(Value)
    /// `$currentDate`: the store clock's time.
    case currentDate
    /// `$push` with its modifiers.
    case push(PushModifiers)
    /// `$addToSet` of each value.
    case addToSet([Value])
    /// `$pull` by value or condition.
    case pull(PullCondition)
    /// `$pullAll`
    case pullAll([Value])
    /// `$pop`: `true` removes the first element, `false` the last.
    case pop(first: Bool)
    /// `$rename`: moves the value to another path (applied by ``UpdatePlan/apply(to:isInsert:now:)``).
    case rename(to: FieldPath)
}

/// The modifiers of `$push`.
struct PushModifiers: Sendable {
    /// The values to push (`$each`, or the single value).
    var values: [Value]
    /// `$position`: where to insert; negative counts from the end.
    var position: Int?
    /// `$slice`: keep the first n (n ≥ 0) or the last -n (n < 0) elements.
    var slice: Int?
    /// `$sort`: order after pushing.
    var sort: PushSort?

    static func parse(_ operand: Value, field: String) throws -> PushModifiers {
        guard case .document(let document) = operand, document.keys.contains(where: { $0.hasPrefix("$") }) else {
            return PushModifiers(values: [operand])
        }
        guard case .array(let values)? = document["$each"] else {
            throw StoreError.invalidQuery("$push modifiers on '\(field)' need $each with an array")
        }
        var modifiers = PushModifiers(values: values)
        for (key, value) in document where key != "$each" {
            switch key {
            case "$slice":
                guard let count = value.intValue, let slice = Int(exactly: count) else {
                    throw StoreError.invalidQuery("$slice on '\(field)' needs an integer")
                }
                modifiers.slice = slice
            case "$position":
                guard let count = value.intValue, let position = Int(exactly: count) else {
                    throw StoreError.invalidQuery("$position on '\(field)' needs an integer")
                }
                modifiers.position = position
            case "$sort":
                modifiers.sort = try PushSort.parse(value, field: field)
            default:
                throw StoreError.invalidQuery("unknown $push modifier \(key) on '\(field)'")
            }
        }
        return modifiers
    }
}

/// The `$sort` modifier of `$push`.
enum PushSort: Sendable {
    /// Sort the elements themselves.
    case values(descending: Bool)
    /// Sort document elements by fields.
    case fields(DocumentOrdering)

    static func parse(_ value: Value, field: String) throws -> PushSort {
        if let direction = value.intValue, direction == 1 || direction == -1 {
            return .values(descending: direction == -1)
        }
        guard case .document(let document) = value, !document.isEmpty else {
            throw StoreError.invalidQuery("$sort in $push on '\(field)' needs 1, -1 or a document of field directions")
        }
        let keys = try document.map { key, direction -> SortKey in
            guard let number = direction.intValue, number == 1 || number == -1 else {
                throw StoreError.invalidQuery("$sort in $push on '\(field)' needs directions 1 or -1")
            }
            return SortKey(key, number == 1 ? .ascending : .descending)
        }
        return .fields(try DocumentOrdering(keys))
    }
}

/// What `$pull` removes.
enum PullCondition: Sendable {
    /// Elements equal to a value (arrays must match exactly).
    case equal(Value)
    /// Elements satisfying operators, e.g. `{"$in": [...]}` or `{"$gte": 5}`.
    case predicate(FieldPredicate)
    /// Document elements matching a query, e.g. `{"to": "d1"}` or `{"id": {"$in": [...]}}`.
    case query(FilterExpression)

    static func parse(_ operand: Value, field: String) throws -> PullCondition {
        guard case .document(let document) = operand else { return .equal(operand) }
        if let first = document.keys.first, first.hasPrefix("$"), !["$and", "$or", "$nor"].contains(first) {
            return .predicate(try FieldPredicate.parseOperators(document, field: field))
        }
        return .query(try FilterExpression.parse(document))
    }

    func removes(_ element: Value) -> Bool {
        switch self {
        case .equal(let value):
            return Value.equalsForQuery(element, value)
        case .predicate(let predicate):
            return predicate.evaluate { body in body(element) }
        case .query(let expression):
            if case .document(let document) = element { return expression.matches(document) }
            return false
        }
    }
}
