import Foundation

/// Expands `${VAR}` and `${VAR:-default}` in a configuration scalar.
///
/// Substitution happens on each scalar after YAML parsing, so an environment value can never change
/// the structure of a file. `$$` is a literal `$`.
///
/// ```swift
/// let sub = EnvironmentSubstitution(environment: ["RATE_LIMIT_MAX_REQUESTS": "5"])
/// try sub.expand("${RATE_LIMIT_MAX_REQUESTS:-12}")  // "5"
/// try sub.expand("${SIGNALING_PATH:-/signaling}/:deviceId")  // "/signaling/:deviceId"
/// ```
package struct EnvironmentSubstitution: Sendable {
    /// Why a scalar could not be expanded.
    package enum Failure: Error, Equatable, Sendable {
        /// `${` without a closing `}`.
        case unterminated
        /// `${}` or a name with characters other than letters, digits and `_`.
        case invalidName(String)
        /// `${NAME}` without a default, and `NAME` is not set.
        case unset(String)
    }

    /// The variables to read, usually the process environment.
    package var environment: [String: String]

    /// Creates a substitution over the given variables.
    package init(environment: [String: String]) {
        self.environment = environment
    }

    /// Expands every reference in `text`.
    package func expand(_ text: String) throws(Failure) -> String {
        try Self.scan(text) { name, defaultValue throws(Failure) in
            // `${VAR:-default}`: the default applies when VAR is unset or empty, as in POSIX shells.
            if let value = environment[name], !value.isEmpty { return value }
            if let defaultValue { return defaultValue }
            if let value = environment[name] { return value }
            throw .unset(name)
        }
    }

    private static func scan(
        _ text: String,
        resolve: (String, String?) throws(Failure) -> String
    ) throws(Failure) -> String {
        guard text.contains("$") else { return text }
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else {
                output.append(character)
                index = next
                continue
            }
            if text[next] == "$" {
                output.append("$")
                index = text.index(after: next)
                continue
            }
            guard text[next] == "{" else {
                output.append(character)
                index = next
                continue
            }
            let bodyStart = text.index(after: next)
            guard let close = text[bodyStart...].firstIndex(of: "}") else { throw .unterminated }
            let body = text[bodyStart..<close]
            let name: Substring
            let defaultValue: String?
            if let marker = body.range(of: ":-") {
                name = body[..<marker.lowerBound]
                defaultValue = String(body[marker.upperBound...])
            } else {
                name = body
                defaultValue = nil
            }
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                throw .invalidName(String(name))
            }
            output += try resolve(String(name), defaultValue)
            index = text.index(after: close)
        }
        return output
    }
}
