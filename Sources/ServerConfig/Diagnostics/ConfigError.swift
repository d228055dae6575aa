/// The configuration files could not be used; carries every diagnostic found, not only the first.
///
/// ```swift
/// do { _ = try ConfigLoader(directory: dir).load() } catch let error as ConfigError {
///     print(error)  // one diagnostic a line, each with file:line
/// }
/// ```
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// A file could not be read.
        public static let unreadableFile = Code("unreadableFile")
        /// One or more files are invalid; see `diagnostics`.
        public static let invalidConfiguration = Code("invalidConfiguration")
        public var description: String { name }
    }

    /// The kind of failure.
    public var code: Code
    /// Every problem found, errors first, in file order.
    public var diagnostics: [ConfigDiagnostic]

    /// Creates an error from diagnostics.
    public init(code: Code = .invalidConfiguration, diagnostics: [ConfigDiagnostic]) {
        self.code = code
        self.diagnostics = diagnostics
    }

    /// Only the diagnostics of severity `error`.
    public var errors: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .error } }

    public var description: String {
        let count = errors.count
        let header = "configuration invalid: \(count) error\(count == 1 ? "" : "s")"
        return ([header] + diagnostics.map(\.description)).joined(separator: "\n")
    }
}
