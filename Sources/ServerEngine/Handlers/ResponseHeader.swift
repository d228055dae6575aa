import HTTPTypes

/// The name of a response header in the engine's own vocabulary, for handlers that set headers without importing
/// HTTPTypes (``HandlerResponse/json(rendered:status:headers:)``).
///
/// ```swift
/// return .json(rendered: body, headers: [.cacheControl: "no-store"])
/// ```
public struct ResponseHeader: Sendable, Hashable, CustomStringConvertible {
    /// The name as HTTPTypes spells it.
    let name: HTTPField.Name

    init(_ name: HTTPField.Name) { self.name = name }

    /// A header by name; nil when `name` is not a valid field name (RFC 9110 token).
    public init?(_ name: String) {
        guard let name = HTTPField.Name(name) else { return nil }
        self.name = name
    }

    /// The name as written on the wire.
    public var description: String { name.rawName }

    /// `Content-Type`.
    public static let contentType = ResponseHeader(.contentType)
    /// `ETag`.
    public static let eTag = ResponseHeader(.eTag)
    /// `Cache-Control`.
    public static let cacheControl = ResponseHeader(.cacheControl)
    /// `Retry-After`.
    public static let retryAfter = ResponseHeader(.retryAfter)
    /// `Location`.
    public static let location = ResponseHeader(.location)
}
