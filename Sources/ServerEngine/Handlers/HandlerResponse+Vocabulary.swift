import HTTPTypes

extension HandlerResponse {
    /// A JSON response whose body is already rendered (``HandlerBody``), in the engine's own vocabulary: `headers`
    /// in their order, then `Content-Type: application/json; charset=utf-8`.
    ///
    /// ```swift
    /// return .json(rendered: HandlerBody(json: listing), headers: [.cacheControl: "no-store"])
    /// ```
    public static func json(
        rendered body: HandlerBody,
        status: ResponseStatus = .ok,
        headers: KeyValuePairs<ResponseHeader, String> = [:]
    ) -> HandlerResponse {
        var fields = HTTPFields()
        fields.reserveCapacity(headers.count + 1)
        for (header, value) in headers { fields[header.name] = value }
        fields[.contentType] = "application/json; charset=utf-8"
        return HandlerResponse(status: status.status, headers: fields, body: body.buffer)
    }

    /// The status in the engine's vocabulary.
    public var responseStatus: ResponseStatus { ResponseStatus(status) }
}
