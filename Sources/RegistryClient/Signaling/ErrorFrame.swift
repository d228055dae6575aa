/// A frame the server refused: `{"error":"…","code":"…"}`. The socket stays open (see docs/protocol.md for the
/// codes: `invalid_json`, `invalid_message`, `unknown_type`, `not_in_network`, `rate_limited`, …).
public struct ErrorFrame: Sendable, Hashable, Decodable {
    /// The error in words.
    public var error: String
    /// The machine-readable code.
    public var code: String
    /// The refused message's `id`, echoed when it carried one (issue 24, delivery receipts).
    public var id: String?

    public init(error: String, code: String, id: String? = nil) {
        self.error = error
        self.code = code
        self.id = id
    }
}
