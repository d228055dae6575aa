import ServerConfig

/// The declared routes by path shape, to tell "no such path" (404) from "wrong method" (405).
struct RouteTable: Sendable {
    private let entries: [(segments: [String?], method: String)]

    /// Builds the table from route templates; `:name` segments match any single segment.
    init(routes: [(method: String, path: String)]) {
        entries = routes.map { route in
            let segments = route.path.split(separator: "/").map { $0.first == ":" ? nil : String($0) }
            return (segments, route.method)
        }
    }

    /// The methods declared for a concrete path, sorted; empty if no route matches the path.
    func allowedMethods(forPath path: String) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var methods: Set<String> = []
        for entry in entries where entry.segments.count == parts.count {
            if zip(entry.segments, parts).allSatisfy({ $0.0 == nil || $0.0 == String($0.1) }) {
                methods.insert(entry.method)
                if entry.method == "GET" { methods.insert("HEAD") }
            }
        }
        return methods.sorted()
    }
}
