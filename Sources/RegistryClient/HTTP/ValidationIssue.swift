/// One failed validation rule of a `400 {"errors":[…]}` answer (express-validator's shape).
public struct ValidationIssue: Sendable, Hashable, Codable {
    /// The value received; `nil` when the field was absent.
    public var value: JSONValue?
    /// The failed rule in words, such as `must match ^peer_[a-zA-Z0-9_]+$`.
    public var msg: String
    /// The field, such as `peerId` or `capabilities[1]`.
    public var path: String
    /// `params`, `query` or `body`.
    public var location: String

    public init(value: JSONValue? = nil, msg: String, path: String, location: String) {
        self.value = value
        self.msg = msg
        self.path = path
        self.location = location
    }
}
