import DocumentStore
import HTTPTypes
import Hummingbird
import NIOCore

/// A client-facing error: answers `status` with the JSON body `{"error": message}`.
///
/// ```swift
/// throw APIError(.forbidden, "Device peer_x belongs to another user")
/// ```
public struct APIError: HTTPResponseError, CustomStringConvertible {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// The `error` text; shown to the client, so it never carries internals or secrets.
    public var message: String
    /// Extra headers, such as `Retry-After` or `Allow`.
    public var headers: HTTPFields

    /// Creates an error.
    public init(_ status: ResponseStatus, _ message: String, headers: HTTPFields = [:]) {
        self.init(status: status.status, message: message, headers: headers)
    }

    /// Creates an error with a status as HTTPTypes spells it (another error's).
    init(status: HTTPResponse.Status, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    /// The status in the engine's vocabulary.
    public var responseStatus: ResponseStatus { ResponseStatus(status) }

    public var description: String { "\(status.code) \(message)" }

    /// The JSON response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        handlerResponse.response
    }

    /// The JSON response as a handler response.
    var handlerResponse: HandlerResponse {
        HandlerResponse.json(value: ["error": .string(message)], status: status, headers: headers)
    }
}
