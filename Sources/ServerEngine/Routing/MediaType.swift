import Foundation

/// Reading a `Content-Type` header value.
enum MediaType {
    /// True when `contentType` is `application/json`: type and subtype compared without case, parameters (such as
    /// `; charset=utf-8`) and surrounding whitespace ignored. `application/jsonx`, `text/json` and
    /// `application/problem+json` are not.
    static func isJSON(_ contentType: String) -> Bool {
        let essence = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return essence.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }
}
