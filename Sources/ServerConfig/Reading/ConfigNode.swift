import Yams

/// A YAML node together with the file it came from and its key path, so every diagnostic can say where.
struct ConfigNode {
    /// The parsed node.
    let node: Node
    /// The file name, such as `routes.yaml`.
    let file: String
    /// The key path, such as `routes[0].validate.body.peerId`.
    let keyPath: String

    /// Where the node starts.
    var location: SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
    }

    /// A child at a mapping key.
    func child(_ node: Node, key: String) -> ConfigNode {
        ConfigNode(node: node, file: file, keyPath: keyPath.isEmpty ? key : "\(keyPath).\(key)")
    }

    /// A child at a sequence index.
    func child(_ node: Node, index: Int) -> ConfigNode {
        ConfigNode(node: node, file: file, keyPath: "\(keyPath)[\(index)]")
    }

    /// True for `~`, `null` and an empty plain scalar (`key:` with nothing after it).
    var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// True for a mapping node.
    var isMapping: Bool { node.mapping != nil }

    /// A short name for the node's kind, for "expected a mapping, found a list" messages.
    var kindName: String {
        switch node {
        case .scalar: isNull ? "nothing" : "a single value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}
