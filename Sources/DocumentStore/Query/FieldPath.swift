/// A dotted field path split into its components, e.g. `"messages.to"` → `["messages", "to"]`.
struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    /// The path as written.
    let raw: String
    /// The components between the dots.
    let components: [String]

    init(_ raw: String) {
        self.raw = raw
        // Most paths are one field name: no split, no copy.
        self.components = raw.utf8.contains(UInt8(ascii: ".")) ? raw.split(separator: ".", omittingEmptySubsequences: false).map(String.init) : [raw]
    }

    var description: String { raw }

    /// Whether `self` equals `other` or is a proper prefix of it (component-wise).
    func isPrefix(of other: FieldPath) -> Bool {
        components.count <= other.components.count && zip(components, other.components).allSatisfy { $0 == $1 }
    }

    /// A component that is an array index: decimal digits only, no sign, fits in `Int`.
    static func arrayIndex(_ component: String) -> Int? {
        guard !component.isEmpty, component.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return Int(component)
    }

    /// Whether any component is an array index.
    var hasNumericComponent: Bool {
        components.contains { Self.arrayIndex($0) != nil }
    }

    /// MongoDB's update order: numeric components numerically, others by bytes.
    static func updateOrder(_ lhs: FieldPath, _ rhs: FieldPath) -> Bool {
        for (left, right) in zip(lhs.components, rhs.components) where left != right {
            if let leftIndex = arrayIndex(left), let rightIndex = arrayIndex(right), leftIndex != rightIndex {
                return leftIndex < rightIndex
            }
            return Value.compareStrings(left, right) < 0
        }
        return lhs.components.count < rhs.components.count
    }
}
