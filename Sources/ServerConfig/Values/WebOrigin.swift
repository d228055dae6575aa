/// A web origin as browsers send it in the `Origin` header: `scheme://host` or `scheme://host:port`, nothing else.
///
/// ```swift
/// try WebOrigin.normalize("HTTPS://App.Example.com")   // "https://app.example.com"
/// try WebOrigin.normalize("https://app.example.com/")  // throws: no path or trailing slash
/// ```
package enum WebOrigin {
    /// Why a written origin is not one.
    package struct Invalid: Error, Sendable {
        /// What is wrong, and how to write it.
        package let message: String
    }

    /// The origin lowercased, or why it is not an origin.
    package static func normalize(_ text: String) throws(Invalid) -> String {
        let origin = text.lowercased()
        if origin == "null" {
            throw Invalid(message: "'null' is not allowed: every sandboxed frame and local file sends it; list the page's real origin")
        }
        guard let separator = origin.firstRange(of: "://") else {
            throw Invalid(message: "'\(text)' is not an origin; write scheme://host[:port], such as https://app.example.com")
        }
        let scheme = origin[..<separator.lowerBound]
        let authority = origin[separator.upperBound...]
        let schemeIsValid =
            scheme.first?.isLetter == true && scheme.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
        guard schemeIsValid else {
            throw Invalid(message: "'\(text)' has no valid scheme; write scheme://host[:port], such as https://app.example.com")
        }
        if authority.contains("/") || authority.contains("?") || authority.contains("#") {
            throw Invalid(message: "'\(text)' has a path; an origin is scheme://host[:port] with no path or trailing slash")
        }
        guard !authority.isEmpty, !authority.contains("@"), !authority.contains(" ") else {
            throw Invalid(message: "'\(text)' has no valid host; write scheme://host[:port], such as https://app.example.com")
        }
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            let port = authority[authority.index(after: colon)...]
            guard let number = Int(port), (1...65535).contains(number) else {
                throw Invalid(message: "'\(text)' has an invalid port; write scheme://host:port with a port from 1 to 65535")
            }
        }
        return origin
    }
}
