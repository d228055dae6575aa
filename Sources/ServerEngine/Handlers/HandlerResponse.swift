import DocumentStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// What an HTTP handler returns: a status, headers and a body, usually JSON.
///
/// ```swift
/// return try .json(["success": true])
/// ```
public struct HandlerResponse: Sendable {
    /// The HTTP status. Default 200.
    public var status: HTTPResponse.Status
    /// Extra response headers.
    public var headers: HTTPFields
    /// The body bytes.
    public var body: ByteBuffer

    /// Creates a response from raw parts.
    public init(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response; dates are encoded as ISO-8601 strings with milliseconds, and object keys are sorted (a
    /// dictionary has no order of its own), so the same value is always the same bytes. For keys in an order of your
    /// choosing, use ``json(value:status:headers:)``.
    public static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> HandlerResponse {
        let data = try JSONCoding.encoder().encode(value)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return HandlerResponse(status: status, headers: fields, body: ByteBuffer(bytes: data))
    }

    /// A JSON response from a document value, keys in the document's order (`JSONWriter`).
    public static func json(value: Value, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> HandlerResponse {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return HandlerResponse(status: status, headers: fields, body: JSONWriter.buffer(value))
    }

    /// `304 Not Modified` for a conditional GET whose `If-None-Match` named `entityTag`: no body, and no
    /// `Content-Length` (which would have to equal the length of the 200 it stands for).
    public static func notModified(entityTag: String, headers: HTTPFields = [:]) -> HandlerResponse {
        var fields = headers
        fields[.eTag] = entityTag
        return HandlerResponse(status: .notModified, headers: fields)
    }

    /// The Hummingbird response.
    var response: Response {
        var fields = headers
        if status == .notModified || status == .noContent {
            // No content: a Content-Length only when the handler set one (a 304 may give the 200's length).
            let length = fields[.contentLength].flatMap { Int($0) }
            return Response(status: status, headers: fields, body: ResponseBody(contentLength: length) { writer in try await writer.finish(nil) })
        }
        fields[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: body))
    }
}
