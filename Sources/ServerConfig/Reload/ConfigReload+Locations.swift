/// routes.yaml's sections without where each value was written: a reload compares these, so a line added above a
/// route (a comment, a new `trustedProxies` entry) is not taken for a changed route.
extension RouteConfig {
    /// The route with its source locations cleared.
    var unlocated: RouteConfig {
        var route = self
        route.location = .unlocated
        route.keyLocations = [:]
        route.params = params.map(\.unlocated)
        route.query = query.map(\.unlocated)
        route.body = body.map(\.unlocated)
        return route
    }
}

extension FieldRule {
    /// The rule with its source location cleared.
    var unlocated: FieldRule {
        var rule = self
        rule.location = .unlocated
        return rule
    }
}

extension WebSocketRouteConfig {
    /// The route with its source locations cleared.
    var unlocated: WebSocketRouteConfig {
        var route = self
        route.location = .unlocated
        route.keyLocations = [:]
        return route
    }
}

extension CollectionConfig {
    /// The collection with its and its indexes' source locations cleared.
    var unlocated: CollectionConfig {
        var collection = self
        collection.location = .unlocated
        collection.indexes = indexes.map { index in
            var index = index
            index.location = .unlocated
            index.keyLocations = [:]
            return index
        }
        return collection
    }
}

extension SourceLocation {
    /// No place in any file.
    static let unlocated = SourceLocation(file: "")
}
