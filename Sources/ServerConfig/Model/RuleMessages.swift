/// The `msg` a route gives the failures of one field (`message:` in routes.yaml), instead of the engine's wording
/// ("must match ^peer_[a-zA-Z0-9_]+$", "is required").
///
/// ```yaml
/// peerId: { matches: '^peer_[a-zA-Z0-9_]+$', message: 'must be peer_ and letters, digits or _' }   # every check
/// peerId: { matches: '^peer_…$', length: { max: 100 }, message: { matches: 'must start with peer_', required: 'give your device id' } }
/// ```
public struct RuleMessages: Sendable, Equatable {
    /// The name under which `message:` words an absent field.
    public static let required = "required"

    /// `message: '…'`: the message of every failure of the field.
    public var all: String?
    /// `message: { <check>: '…' }`: the message of one check, by its key (`matches`, `length`, …, or `required`).
    public var byCheck: [String: String]

    /// Messages; none by default.
    public init(all: String? = nil, byCheck: [String: String] = [:]) {
        self.all = all
        self.byCheck = byCheck
    }

    /// The route's message for a failure of `check` (a check's key, or ``required``), if it gives one.
    public func message(for check: String) -> String? {
        byCheck[check] ?? all
    }
}
