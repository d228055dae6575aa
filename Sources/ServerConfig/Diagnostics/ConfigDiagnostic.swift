/// One problem found in the configuration files.
///
/// The description names the file, line and key, and suggests the nearest valid name when there is one:
/// `routes.yaml:7:14: error: unknown handler 'anounce' (routes[0].handler); did you mean 'announce'?`
public struct ConfigDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// How serious a diagnostic is.
    public enum Severity: String, Sendable, Hashable {
        /// The configuration cannot be used.
        case error
        /// The configuration can be used, but something is probably not what the operator wants.
        case warning
    }

    /// Error or warning.
    public var severity: Severity
    /// Where the problem is.
    public var location: SourceLocation
    /// The key path inside the file, such as `routes[0].handler`; empty for the whole file.
    public var keyPath: String
    /// What is wrong, in words an operator can act on.
    public var message: String
    /// The nearest valid name, when the problem is a misspelt name.
    public var suggestion: String?

    /// Creates a diagnostic.
    public init(
        severity: Severity = .error,
        location: SourceLocation,
        keyPath: String,
        message: String,
        suggestion: String? = nil
    ) {
        self.severity = severity
        self.location = location
        self.keyPath = keyPath
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String {
        var text = "\(location): \(severity.rawValue): \(message)"
        if !keyPath.isEmpty { text += " (\(keyPath))" }
        if let suggestion { text += "; did you mean '\(suggestion)'?" }
        return text
    }
}
