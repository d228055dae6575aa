import DocumentStore

/// Where a connection lives: the instance serving it and the connection's id there.
public struct ClusterRoute: Sendable, Equatable {
    /// The serving instance's id.
    public var instance: String
    /// The connection's id on that instance.
    public var connectionId: String

    /// Creates a route.
    public init(instance: String, connectionId: String) {
        self.instance = instance
        self.connectionId = connectionId
    }
}

/// An item one instance sends another through the store: a kind the application defines (`message`,
/// `replace`, `flush`, …), the connection key it is for, and a body.
public struct ClusterMessage: Sendable {
    /// The application's kind of item.
    public var kind: String
    /// The connection key (for the registry: the deviceId).
    public var key: String
    /// The connection on the receiving instance it was addressed to (the route the sender saw).
    public var connectionId: String
    /// The application's payload.
    public var body: Document
    /// The sending instance.
    public var from: String

    /// Creates an item.
    public init(kind: String, key: String, connectionId: String, body: Document, from: String) {
        self.kind = kind
        self.key = key
        self.connectionId = connectionId
        self.body = body
        self.from = from
    }
}
