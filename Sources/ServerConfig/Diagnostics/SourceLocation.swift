/// A position in one of the configuration files, for diagnostics.
///
/// ```swift
/// SourceLocation(file: "routes.yaml", line: 7, column: 14).description  // "routes.yaml:7:14"
/// ```
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file name as the operator knows it (`routes.yaml`), not a full path.
    public var file: String
    /// Line number, starting at 1; 0 when unknown (e.g. a missing file).
    public var line: Int
    /// Column number, starting at 1; 0 when unknown.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int = 0, column: Int = 0) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        guard line > 0 else { return file }
        return column > 0 ? "\(file):\(line):\(column)" : "\(file):\(line)"
    }
}
