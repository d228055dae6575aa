import DocumentStore
import HTTPTypes
import Hummingbird

/// One failed check, in express-validator's shape: `{"type":"field","value":…,"msg":"must match ^peer_[a-zA-Z0-9_]+$","path":"peerId","location":"body"}`.
public struct FieldFailure: Sendable, Equatable {
    /// Where the field was: `params`, `query` or `body`.
    public var location: String
    /// The field path, such as `peerId` or `capabilities[1]`.
    public var path: String
    /// The value received; nil when the field was absent (then `value` is omitted, as `JSON.stringify` omits undefined).
    public var value: Value?
    /// The message: the route's `message:` for the check, else the check's requirement in words ("is required").
    public var message: String

    /// Creates a failure.
    public init(location: String, path: String, value: Value?, message: String = "Invalid value") {
        self.location = location
        self.path = path
        self.value = value
        self.message = message
    }

    /// The failure as an ordered JSON object.
    var document: Document {
        var document: Document = ["type": "field"]
        if let value { document["value"] = value }
        document["msg"] = .string(message)
        document["path"] = .string(path)
        document["location"] = .string(location)
        return document
    }
}

/// A request failed validation: answers 400 `{"errors":[…]}` as express-validator's `validationResult` does.
public struct ValidationError: HTTPResponseError {
    /// Every failed check.
    public var failures: [FieldFailure]

    /// Creates an error.
    public init(failures: [FieldFailure]) {
        self.failures = failures
    }

    /// The paths that failed, each once, in the order of the failures.
    public var failedPaths: [String] {
        var seen: Set<String> = []
        return failures.map(\.path).filter { seen.insert($0).inserted }
    }

    public var status: HTTPResponse.Status { .badRequest }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        handlerResponse.response
    }

    var handlerResponse: HandlerResponse {
        let body: Value = ["errors": .array(failures.map { .document($0.document) })]
        return .json(value: body, status: .badRequest)
    }
}
