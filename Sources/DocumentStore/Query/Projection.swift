/// A compiled MongoDB projection: inclusion (`{a: 1, "b.c": 1}`) or exclusion (`{a: 0}`).
///
/// `_id` is included unless excluded (`{_id: 0}` is the one exclusion allowed in an inclusion
/// projection). Included fields keep the document's order. Dotted paths reach into embedded
/// documents and into the document elements of arrays.
struct Projection: Sendable {
    /// A node of the path tree: `nil` children means "this whole field".
    final class Node: Sendable {
        let children: [String: Node]?

        init(children: [String: Node]?) {
            self.children = children
        }
    }

    private let including: Bool
    private let includeId: Bool
    private let root: [String: Node]

    /// Compiles a projection document; `nil` or `{}` means "no projection".
    static func compile(_ document: Document?) throws -> Projection? {
        guard let document, !document.isEmpty else { return nil }
        var mode: Bool?
        var includeId = true
        var paths: [FieldPath] = []
        for (key, value) in document {
            guard let flag = value.truthiness else {
                throw StoreError.invalidQuery("projection of '\(key)' must be 1/true or 0/false; projection operators are not supported")
            }
            if key == "_id" {
                includeId = flag
                continue
            }
            if key.isEmpty || key.hasPrefix("$") || key.contains("$") {
                throw StoreError.invalidQuery("projection field '\(key)' is not a valid path; positional and operator projections are not supported")
            }
            if let mode, mode != flag {
                throw StoreError.invalidQuery(
                    "cannot mix inclusion and exclusion in a projection (field '\(key)'); only _id may be excluded from an inclusion"
                )
            }
            mode = flag
            paths.append(FieldPath(key))
        }
        // Only `_id` given: `{_id: 0}` excludes it, `{_id: 1}` keeps only it.
        let including = mode ?? includeId
        return Projection(including: including, includeId: includeId, root: try buildTree(paths))
    }

    private static func buildTree(_ paths: [FieldPath]) throws -> [String: Node] {
        var grouped: [String: [ArraySlice<String>]] = [:]
        var order: [String] = []
        for path in paths {
            let components = path.components[...]
            guard let first = components.first else { continue }
            if grouped[first] == nil { order.append(first) }
            grouped[first, default: []].append(components.dropFirst())
        }
        var tree: [String: Node] = [:]
        for key in order {
            let rests = grouped[key] ?? []
            if rests.contains(where: \.isEmpty) {
                guard rests.count == 1 else { throw StoreError.invalidQuery("path collision in projection at '\(key)'") }
                tree[key] = Node(children: nil)
            } else {
                let subpaths = rests.map { FieldPath($0.joined(separator: ".")) }
                tree[key] = Node(children: try buildTree(subpaths))
            }
        }
        return tree
    }

    /// The projected document.
    func apply(to document: Document) -> Document {
        if including {
            var result = Document()
            for (key, value) in document {
                if key == "_id" {
                    if includeId { result[key] = value }
                } else if let node = root[key] {
                    if let projected = Self.include(value, node) { result[key] = projected }
                }
            }
            return result
        }
        var result = Document()
        for (key, value) in document {
            if key == "_id" {
                if includeId { result[key] = value }
            } else if let node = root[key] {
                if let projected = Self.exclude(value, node) { result[key] = projected }
            } else {
                result[key] = value
            }
        }
        return result
    }

    private static func include(_ value: Value, _ node: Node) -> Value? {
        guard let children = node.children else { return value }
        switch value {
        case .document(let document):
            var result = Document()
            for (key, child) in document {
                if let childNode = children[key], let projected = include(child, childNode) { result[key] = projected }
            }
            return .document(result)
        case .array(let elements):
            return .array(
                elements.compactMap { element in
                    switch element {
                    case .document, .array: return include(element, node)
                    default: return nil
                    }
                }
            )
        default:
            return nil
        }
    }

    private static func exclude(_ value: Value, _ node: Node) -> Value? {
        guard let children = node.children else { return nil }
        switch value {
        case .document(let document):
            var result = Document()
            for (key, child) in document {
                if let childNode = children[key] {
                    if let projected = exclude(child, childNode) { result[key] = projected }
                } else {
                    result[key] = child
                }
            }
            return .document(result)
        case .array(let elements):
            return .array(
                elements.map { element in
                    switch element {
                    case .document, .array: return exclude(element, node) ?? element
                    default: return element
                    }
                }
            )
        default:
            return value
        }
    }
}
