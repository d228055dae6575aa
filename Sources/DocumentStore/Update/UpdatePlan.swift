/// A compiled ``Update``: operator steps sorted in MongoDB's field order, checked for conflicts
/// (a path updated twice, or a path and its prefix, including `$rename` targets).
struct UpdatePlan: Sendable {
    /// One operator applied to one path (a class: plans are built per call and steps are only read).
    final class Step: Sendable {
        let path: FieldPath
        let operatorName: String
        let operation: UpdateOperation

        init(path: FieldPath, operatorName: String, operation: UpdateOperation) {
            self.path = path
            self.operatorName = operatorName
            self.operation = operation
        }
    }

    let steps: [Step]

    /// Parses an update document; throws ``StoreError/Code/invalidQuery`` when it is empty, not all
    /// operators, uses an unknown operator, or updates one path twice (or a path and its prefix).
    init(_ update: Update) throws {
        let document = update.document
        guard !document.isEmpty else { throw StoreError.invalidQuery("the update document is empty; use operators such as $set") }
        var steps: [Step] = []
        var renameTargets: [FieldPath] = []
        for (name, operand) in document {
            guard name.hasPrefix("$") else {
                throw StoreError.invalidQuery("the update document must contain only update operators such as $set; found field '\(name)'")
            }
            guard case .document(let fields) = operand else {
                throw StoreError.invalidQuery("\(name) needs a document of fields")
            }
            for (field, value) in fields {
                let path = try Self.validatedPath(field, operatorName: name)
                if name == "$rename" {
                    guard case .string(let targetName) = value else {
                        throw StoreError.invalidQuery("$rename of '\(field)' needs the new field name as a string")
                    }
                    let target = try Self.validatedPath(targetName, operatorName: name)
                    if path.isPrefix(of: target) || target.isPrefix(of: path) {
                        throw StoreError.invalidQuery("the source and target of $rename must not be on the same path ('\(field)', '\(targetName)')")
                    }
                    renameTargets.append(target)
                    steps.append(Step(path: path, operatorName: name, operation: .rename(to: target)))
                    continue
                }
                steps.append(Step(path: path, operatorName: name, operation: try Self.operation(name, value, field: field)))
            }
        }
        Self.sortInUpdateOrder(&steps)
        // The steps are in update order already; only $rename's targets need sorting in.
        let touched = renameTargets.isEmpty ? steps.map(\.path) : (steps.map(\.path) + renameTargets).sorted { FieldPath.updateOrder($0, $1) }
        for (previous, next) in zip(touched, touched.dropFirst()) where previous.isPrefix(of: next) {
            throw StoreError.invalidQuery("updating the path '\(next)' would create a conflict at '\(previous)'")
        }
        self.steps = steps
    }

    /// Sorts steps in MongoDB's field order. Without numeric components that order is the byte
    /// order of the components joined by NUL (a shorter path first), which is much cheaper to compare.
    private static func sortInUpdateOrder(_ steps: inout [Step]) {
        guard steps.count > 1 else { return }
        if steps.contains(where: { $0.path.hasNumericComponent }) {
            steps.sort { FieldPath.updateOrder($0.path, $1.path) }
            return
        }
        let keys = steps.map { $0.path.components.count == 1 ? $0.path.raw : $0.path.components.joined(separator: "\u{0}") }
        // Byte order, as `Value.compareStrings`; field names differ in their first bytes, where this stops.
        let order = keys.indices.sorted { keys[$0].utf8.lexicographicallyPrecedes(keys[$1].utf8) }
        steps = order.map { steps[$0] }
    }

    private static func validatedPath(_ field: String, operatorName: String) throws -> FieldPath {
        let path = FieldPath(field)
        for component in path.components where component.isEmpty || component.hasPrefix("$") {
            throw StoreError.invalidQuery(
                "\(operatorName) path '\(field)' is not supported: empty components and positional operators ($, $[]) are not allowed"
            )
        }
        return path
    }

    private static func operation(_ name: String, _ value: Value, field: String) throws -> UpdateOperation {
        switch name {
        case "$set": return .set(value)
        case "$setOnInsert": return .setOnInsert(value)
        case "$unset": return .unset
        case "$inc", "$mul":
            guard value.isNumber else { throw StoreError.typeMismatch("\(name) on '\(field)' needs a numeric argument") }
            return name == "$inc" ? .increment(value) : .multiply(value)
        case "$min": return .minimum(value)
        case "$max": return .maximum(value)
        case "$currentDate":
            if value == .bool(true) || value == ["$type": "date"] { return .currentDate }
            throw StoreError.invalidQuery("$currentDate on '\(field)' needs true or {\"$type\": \"date\"}")
        case "$push": return .push(try PushModifiers.parse(value, field: field))
        case "$addToSet":
            if case .document(let document) = value, document.keys.first?.hasPrefix("$") == true {
                guard document.count == 1, case .array(let values)? = document["$each"] else {
                    throw StoreError.invalidQuery("$addToSet on '\(field)' accepts only the $each modifier, with an array")
                }
                return .addToSet(values)
            }
            return .addToSet([value])
        case "$pull": return .pull(try PullCondition.parse(value, field: field))
        case "$pullAll":
            guard case .array(let values) = value else { throw StoreError.invalidQuery("$pullAll on '\(field)' needs an array") }
            return .pullAll(values)
        case "$pop":
            guard let direction = value.intValue, direction == 1 || direction == -1 else {
                throw StoreError.invalidQuery("$pop on '\(field)' needs 1 or -1")
            }
            return .pop(first: direction == -1)
        default:
            throw StoreError.invalidQuery("unknown or unsupported update operator \(name)")
        }
    }
}
