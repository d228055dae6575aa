/// MongoDB's path semantics for reading: a dotted path fans out over arrays of documents.
///
/// `"messages.to"` on `{messages: [{to: "a"}, {to: "b"}]}` reaches `"a"` and `"b"`. A numeric
/// component both indexes an array and names a field of its document elements. A path that
/// reaches nothing yields one "missing" (`nil`) outcome. Arrays at the end of the path are not
/// expanded here; predicates decide how to treat them.
enum PathTraversal {
    /// Calls `body` with each value the path reaches in `document` (`nil` for missing) until it
    /// returns `true`; returns whether it did.
    static func anyLeaf(in document: Document, path: ArraySlice<String>, _ body: (Value?) -> Bool) -> Bool {
        guard let first = path.first else { return body(.document(document)) }
        return anyLeaf(in: document[first], path: path.dropFirst(), body)
    }

    /// Calls `body` with each value the remaining `path` reaches from `value`.
    static func anyLeaf(in value: Value?, path: ArraySlice<String>, _ body: (Value?) -> Bool) -> Bool {
        guard let component = path.first else { return body(value) }
        let rest = path.dropFirst()
        switch value {
        case .document(let document):
            return anyLeaf(in: document[component], path: rest, body)
        case .array(let elements):
            var reachedAny = false
            if let index = FieldPath.arrayIndex(component), index < elements.count {
                reachedAny = true
                if anyLeaf(in: elements[index], path: rest, body) { return true }
            }
            for element in elements {
                if case .document(let document) = element {
                    reachedAny = true
                    if anyLeaf(in: document[component], path: rest, body) { return true }
                }
            }
            return reachedAny ? false : body(nil)
        default:
            return body(nil)
        }
    }

    /// Every value the path reaches (`nil` for missing).
    static func leaves(in document: Document, path: FieldPath) -> [Value?] {
        var result: [Value?] = []
        _ = anyLeaf(in: document, path: path.components[...]) { leaf in
            result.append(leaf)
            return false
        }
        return result
    }
}
