extension UpdatePlan {
    /// Applies every step to `document`. On error the document may be partly updated: callers
    /// apply to a copy and keep it only on success.
    func apply(to document: inout Document, isInsert: Bool, now: Timestamp) throws {
        for step in steps {
            if case .rename(let target) = step.operation {
                try Self.rename(step.path, to: target, in: &document)
                continue
            }
            try document.modifyValue(at: step.path.components[...], fullPath: step.path) { current in
                try step.apply(to: &current, isInsert: isInsert, now: now)
            }
        }
    }

    /// `$rename`: a missing source does nothing; neither path may go through an array.
    private static func rename(_ source: FieldPath, to target: FieldPath, in document: inout Document) throws {
        for path in [source, target] where document.pathCrossesArray(path) {
            throw StoreError.typeMismatch("$rename cannot move '\(source)' to '\(target)': '\(path)' goes through an array")
        }
        var moved: Value?
        try document.modifyValue(at: source.components[...], fullPath: source) { current in
            moved = current
            current = nil
        }
        guard let moved else { return }
        try document.modifyValue(at: target.components[...], fullPath: target) { $0 = moved }
    }
}

extension Document {
    /// Whether a path's intermediate fields include an array.
    func pathCrossesArray(_ path: FieldPath) -> Bool {
        var current: Value = .document(self)
        for component in path.components.dropLast() {
            guard case .document(let document) = current, let next = document[component] else { return false }
            if case .array = next { return true }
            current = next
        }
        return false
    }
}

extension UpdatePlan.Step {
    func apply(to current: inout Value?, isInsert: Bool, now: Timestamp) throws {
        switch operation {
        case .set(let value):
            current = value
        case .setOnInsert(let value):
            if isInsert { current = value }
        case .unset:
            current = nil
        case .increment(let amount):
            guard let existing = current else {
                current = amount
                return
            }
            current = try arithmetic(existing, amount, +, { $0.addingReportingOverflow($1) })
        case .multiply(let factor):
            guard let existing = current else {
                current = isDouble(factor) ? .double(0) : .int(0)
                return
            }
            current = try arithmetic(existing, factor, *, { $0.multipliedReportingOverflow(by: $1) })
        case .minimum(let value):
            if let existing = current, Value.compare(value, existing) >= 0 { return }
            current = value
        case .maximum(let value):
            if let existing = current, Value.compare(value, existing) <= 0 { return }
            current = value
        case .currentDate:
            current = .date(now)
        case .push(let modifiers):
            var elements = try existingArray(current)
            let count = elements.count
            var position = modifiers.position.map { $0 < 0 ? count + $0 : $0 } ?? count
            position = min(max(position, 0), count)
            elements.insert(contentsOf: modifiers.values, at: position)
            if let sort = modifiers.sort { elements = Self.sorted(elements, by: sort) }
            if let slice = modifiers.slice {
                elements = slice >= 0 ? Array(elements.prefix(slice)) : Array(elements.suffix(-slice))
            }
            current = .array(elements)
        case .addToSet(let values):
            var elements = try existingArray(current)
            for value in values where !elements.contains(where: { Value.equalsForQuery($0, value) }) {
                elements.append(value)
            }
            current = .array(elements)
        case .pull(let condition):
            guard current != nil else { return }
            current = .array(try existingArray(current).filter { !condition.removes($0) })
        case .pullAll(let values):
            guard current != nil else { return }
            current = .array(try existingArray(current).filter { element in !values.contains { Value.equalsForQuery(element, $0) } })
        case .rename:
            break  // applied by UpdatePlan.apply, which needs both paths
        case .pop(let first):
            guard current != nil else { return }
            var elements = try existingArray(current)
            if !elements.isEmpty {
                if first { elements.removeFirst() } else { elements.removeLast() }
            }
            current = .array(elements)
        }
    }

    private func isDouble(_ value: Value) -> Bool {
        if case .double = value { return true }
        return false
    }

    private func existingArray(_ current: Value?) throws -> [Value] {
        switch current {
        case nil: return []
        case .array(let elements)?: return elements
        case let other?:
            throw StoreError.typeMismatch("\(operatorName) needs an array at '\(path)', but the field is of type \(other.typeName)")
        }
    }

    private func arithmetic(
        _ existing: Value,
        _ operand: Value,
        _ doubleOperation: (Double, Double) -> Double,
        _ integerOperation: (Int64, Int64) -> (partialValue: Int64, overflow: Bool)
    ) throws -> Value {
        switch (existing, operand) {
        case (.int(let left), .int(let right)):
            let (result, overflow) = integerOperation(left, right)
            if overflow { throw StoreError.typeMismatch("\(operatorName) on '\(path)' overflows a 64-bit integer") }
            return .int(result)
        case (.int, .double), (.double, .int), (.double, .double):
            return .double(doubleOperation(existing.doubleValue ?? 0, operand.doubleValue ?? 0))
        default:
            throw StoreError.typeMismatch("cannot apply \(operatorName) to '\(path)': the field is of non-numeric type \(existing.typeName)")
        }
    }

    private static func sorted(_ elements: [Value], by sort: PushSort) -> [Value] {
        switch sort {
        case .values(let descending):
            let decorated = elements.enumerated().sorted { lhs, rhs in
                let order = Value.compare(lhs.element, rhs.element)
                if order != 0 { return descending ? order > 0 : order < 0 }
                return lhs.offset < rhs.offset
            }
            return decorated.map(\.element)
        case .fields(let ordering):
            let decorated = elements.enumerated().map { pair in
                (offset: pair.offset, element: pair.element, keys: ordering.sortKeys(of: pair.element.documentValue ?? Document()))
            }
            return decorated.sorted { lhs, rhs in
                if ordering.areInIncreasingOrder(lhs.keys, rhs.keys) { return true }
                if ordering.areInIncreasingOrder(rhs.keys, lhs.keys) { return false }
                return lhs.offset < rhs.offset
            }.map(\.element)
        }
    }
}
