extension Document {
    /// Reads, modifies and writes back the value at a field path.
    ///
    /// `body` receives the current value (`nil` when missing) and may replace or remove it.
    /// When the path is missing and `body` produces a value, embedded documents are created
    /// along the way (an array index past the end pads the array with nulls, as `$set` does in
    /// MongoDB). Removing an array element through an index sets it to null. A path that runs
    /// into a scalar, or into an array with a non-numeric component, cannot be created:
    /// ``StoreError/Code/typeMismatch``.
    mutating func modifyValue(
        at path: ArraySlice<String>,
        fullPath: FieldPath,
        _ body: (inout Value?) throws -> Void
    ) throws {
        guard let key = path.first else { return }
        let rest = path.dropFirst()
        if let index = index(forKey: key) {
            var child: Value? = self[fieldAt: index]
            self[fieldAt: index] = .null  // drop our reference so the child is uniquely owned
            try Value.modify(&child, path: rest, fullPath: fullPath, body)
            if let child {
                self[fieldAt: index] = child
            } else {
                removeValue(forKey: key)
            }
        } else {
            var child: Value?
            try Value.modify(&child, path: rest, fullPath: fullPath, body)
            if let child { self[key] = child }
        }
    }
}

extension Value {
    /// The modification step of ``Document/modifyValue(at:fullPath:_:)`` below one field.
    static func modify(
        _ value: inout Value?,
        path: ArraySlice<String>,
        fullPath: FieldPath,
        _ body: (inout Value?) throws -> Void
    ) throws {
        guard let component = path.first else {
            try body(&value)
            return
        }
        switch value {
        case nil:
            var document = Document()
            try document.modifyValue(at: path, fullPath: fullPath, body)
            if !document.isEmpty { value = .document(document) }
        case .document(var document)?:
            value = nil
            try document.modifyValue(at: path, fullPath: fullPath, body)
            value = .document(document)
        case .array(var elements)?:
            guard let index = FieldPath.arrayIndex(component) else {
                try requireNoCreation(body, fullPath: fullPath, reason: "array")
                return
            }
            value = nil
            let rest = path.dropFirst()
            if index < elements.count {
                var element: Value? = elements[index]
                elements[index] = .null
                try modify(&element, path: rest, fullPath: fullPath, body)
                elements[index] = element ?? .null
            } else {
                var element: Value?
                try modify(&element, path: rest, fullPath: fullPath, body)
                if let element {
                    elements.append(contentsOf: repeatElement(.null, count: index - elements.count))
                    elements.append(element)
                }
            }
            value = .array(elements)
        case let scalar?:
            try requireNoCreation(body, fullPath: fullPath, reason: scalar.typeName)
        }
    }

    /// A missing path below a scalar is fine for operators that create nothing ($unset, $pull, ...).
    private static func requireNoCreation(_ body: (inout Value?) throws -> Void, fullPath: FieldPath, reason: String) throws {
        var probe: Value?
        try body(&probe)
        if probe != nil {
            throw StoreError.typeMismatch("cannot create the path '\(fullPath)': an intermediate field is of type \(reason)")
        }
    }

    /// The BSON type name, for messages.
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int: return "long"
        case .double: return "double"
        case .string: return "string"
        case .date: return "date"
        case .objectId: return "objectId"
        case .array: return "array"
        case .document: return "object"
        }
    }
}
