/// A WebSocket route's path parameters (`:deviceId`): the names are the route's own array, shared by its sockets, and
/// a single value is kept inline, so a socket of a one-parameter route stores no collection of its own
/// (BENCHMARKS.md, "Memory per socket").
package struct PathParameters: Sendable {
    /// The route's parameter names, in path order.
    package let names: [String]
    private let first: String?
    private let rest: [String]

    /// The values of `names`, in the same order.
    package init(names: [String], values: [String]) {
        self.names = names
        self.first = values.first
        self.rest = values.count > 1 ? Array(values.dropFirst()) : []
    }

    /// The value of the parameter `name`; for a name given twice, the first.
    package subscript(name: String) -> String? {
        guard let index = names.firstIndex(of: name) else { return nil }
        return index == 0 ? first : rest[index - 1]
    }

    /// Every parameter by name (the first value of a repeated name).
    package var dictionary: [String: String] {
        var values: [String] = []
        if let first { values.append(first) }
        values += rest
        return Dictionary(zip(names, values), uniquingKeysWith: { first, _ in first })
    }
}
