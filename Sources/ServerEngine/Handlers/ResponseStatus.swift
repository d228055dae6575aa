import HTTPTypes

/// An HTTP response status in the engine's own vocabulary: what an application's handler answers or throws with
/// (``APIError``, ``HandlerResponse/json(rendered:status:headers:)``) without importing HTTPTypes.
///
/// ```swift
/// throw APIError(.forbidden, "Device peer_x belongs to another user")
/// ```
public struct ResponseStatus: Sendable, Hashable, CustomStringConvertible {
    /// The status as HTTPTypes spells it, with its reason phrase.
    let status: HTTPResponse.Status

    init(_ status: HTTPResponse.Status) { self.status = status }

    /// A status by its three-digit code (100...999), for codes without a name below; no reason phrase.
    public init(code: Int) {
        precondition((100...999).contains(code), "Invalid status code \(code)")
        status = HTTPResponse.Status(code: code)
    }

    /// The three-digit code.
    public var code: Int { status.code }

    /// The code and reason phrase, `403 Forbidden`.
    public var description: String { status.reasonPhrase.isEmpty ? "\(code)" : "\(code) \(status.reasonPhrase)" }

    /// Statuses are equal when their codes are.
    public static func == (left: ResponseStatus, right: ResponseStatus) -> Bool { left.code == right.code }

    /// Hashes the code.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// 200 OK.
    public static let ok = ResponseStatus(.ok)
    /// 201 Created.
    public static let created = ResponseStatus(.created)
    /// 204 No Content.
    public static let noContent = ResponseStatus(.noContent)
    /// 304 Not Modified.
    public static let notModified = ResponseStatus(.notModified)
    /// 400 Bad Request.
    public static let badRequest = ResponseStatus(.badRequest)
    /// 401 Unauthorized.
    public static let unauthorized = ResponseStatus(.unauthorized)
    /// 403 Forbidden.
    public static let forbidden = ResponseStatus(.forbidden)
    /// 404 Not Found.
    public static let notFound = ResponseStatus(.notFound)
    /// 405 Method Not Allowed.
    public static let methodNotAllowed = ResponseStatus(.methodNotAllowed)
    /// 408 Request Timeout.
    public static let requestTimeout = ResponseStatus(.requestTimeout)
    /// 409 Conflict.
    public static let conflict = ResponseStatus(.conflict)
    /// 413 Content Too Large.
    public static let contentTooLarge = ResponseStatus(.contentTooLarge)
    /// 415 Unsupported Media Type.
    public static let unsupportedMediaType = ResponseStatus(.unsupportedMediaType)
    /// 429 Too Many Requests.
    public static let tooManyRequests = ResponseStatus(.tooManyRequests)
    /// 500 Internal Server Error.
    public static let internalServerError = ResponseStatus(.internalServerError)
    /// 503 Service Unavailable.
    public static let serviceUnavailable = ResponseStatus(.serviceUnavailable)
}
