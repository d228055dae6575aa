/// What an HTTP handler can answer, beyond what the engine answers for every route (401, 403 for a network the token
/// does not grant, 400 for a failed validation, 413, 415, 429, …): declared once, next to the handler's registration,
/// and published in the OpenAPI document.
///
/// ```swift
/// registry.http("peers", contract: HandlerContract(ok: peersShape, entityTag: true)) { context in … }
/// ```
public struct HandlerContract: Sendable, Equatable {
    /// The shape of the 200 body.
    public var ok: JSONShape
    /// True when the handler answers a matching `If-None-Match` with `304 Not Modified` and sends an `ETag` with
    /// its 200s.
    public var entityTag: Bool
    /// The errors the handler itself answers (`{"error": "…"}`), by status code, each with a description of when.
    public var errors: [Int: String]

    /// Creates a contract.
    public init(ok: JSONShape, entityTag: Bool = false, errors: [Int: String] = [:]) {
        self.ok = ok
        self.entityTag = entityTag
        self.errors = errors
    }
}
