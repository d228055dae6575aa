import Yams

/// Reads typed values out of YAML nodes, substituting environment variables in every scalar, and
/// collects diagnostics instead of stopping at the first problem.
///
/// Not thread-safe: one reader serves one load.
final class ConfigReader {
    private(set) var diagnostics: [ConfigDiagnostic] = []
    /// Names written under a named section (`ttls`, `rateLimits`), valid or not, so a reference to a name
    /// whose value is wrong reports only the wrong value, not also a "missing name".
    var declaredNames: [String: Set<String>] = [:]
    /// Files that could not be read or parsed: the checks that need one of them are skipped (their errors would only
    /// follow from the first one), the others still run.
    var unusableFiles: Set<String> = []
    let substitution: EnvironmentSubstitution

    init(environment: [String: String]) {
        self.substitution = EnvironmentSubstitution(environment: environment)
    }

    /// True if any error (not warning) was reported.
    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    // MARK: Reporting

    func error(_ message: String, at node: ConfigNode, suggestion: String? = nil) {
        report(.error, message, at: node.location, keyPath: node.keyPath, suggestion: suggestion)
    }

    func warning(_ message: String, at node: ConfigNode) {
        report(.warning, message, at: node.location, keyPath: node.keyPath)
    }

    func report(
        _ severity: ConfigDiagnostic.Severity,
        _ message: String,
        at location: SourceLocation,
        keyPath: String,
        suggestion: String? = nil
    ) {
        diagnostics.append(
            ConfigDiagnostic(severity: severity, location: location, keyPath: keyPath, message: message, suggestion: suggestion)
        )
    }

    // MARK: Structure

    /// Reads a mapping whose keys must all be in `allowed`; unknown keys are reported with the nearest
    /// allowed key, duplicate keys are reported, and `required` keys must be present.
    func mapping(_ node: ConfigNode, allowed: [String]? = nil, required: [String] = []) -> MappingReader? {
        guard case .mapping(let mapping) = node.node else {
            error("expected a mapping of keys to values, found \(node.kindName)", at: node)
            return nil
        }
        var entries: [(key: String, keyNode: ConfigNode, value: ConfigNode)] = []
        for (keyNode, valueNode) in mapping {
            let keyConfig = ConfigNode(node: keyNode, file: node.file, keyPath: node.keyPath)
            guard case .scalar(let scalar) = keyNode else {
                error("a key must be a plain name", at: keyConfig)
                continue
            }
            let key = scalar.string
            let value = node.child(valueNode, key: key)
            let located = ConfigNode(node: keyNode, file: node.file, keyPath: value.keyPath)
            if entries.contains(where: { $0.key == key }) {
                error("duplicate key '\(key)'", at: located)
                continue
            }
            if let allowed, !allowed.contains(key) {
                error("unknown key '\(key)'", at: located, suggestion: NearestName.suggest(for: key, among: allowed))
                continue
            }
            entries.append((key, located, value))
        }
        let reader = MappingReader(node: node, entries: entries)
        for key in required where reader[key] == nil {
            error("missing required key '\(key)'", at: node.keyPath.isEmpty ? node : node)
        }
        return reader
    }

    /// Reads a list.
    func sequence(_ node: ConfigNode) -> [ConfigNode]? {
        guard case .sequence(let sequence) = node.node else {
            error("expected a list, found \(node.kindName)", at: node)
            return nil
        }
        return sequence.enumerated().map { node.child($0.element, index: $0.offset) }
    }

    // MARK: Scalars

    /// A scalar with environment variables substituted.
    func string(_ node: ConfigNode) -> String? {
        guard case .scalar(let scalar) = node.node else {
            error("expected a single value, found \(node.kindName)", at: node)
            return nil
        }
        do {
            return try substitution.expand(scalar.string)
        } catch {
            switch error {
            case .unterminated:
                self.error("'${' without a closing '}' in '\(scalar.string)'", at: node)
            case .invalidName(let name):
                self.error("invalid environment variable name '\(name)'; use letters, digits and _", at: node)
            case .unset(let name):
                self.error("environment variable \(name) is not set; set it, or give a default with ${\(name):-value}", at: node)
            }
            return nil
        }
    }

    /// An integer within `range`.
    func int(_ node: ConfigNode, in range: ClosedRange<Int> = Int.min...Int.max) -> Int? {
        guard let text = string(node) else { return nil }
        guard let value = Int(text.trimmingWhitespace()) else {
            error("expected a whole number, found '\(text)'", at: node)
            return nil
        }
        guard range.contains(value) else {
            error("\(value) is out of range; expected \(Self.describe(range))", at: node)
            return nil
        }
        return value
    }

    /// A number (fractions allowed) at least `minimum`.
    func double(_ node: ConfigNode, minimum: Double = -Double.greatestFiniteMagnitude) -> Double? {
        guard let text = string(node) else { return nil }
        guard let value = Double(text.trimmingWhitespace()), value.isFinite else {
            error("expected a number, found '\(text)'", at: node)
            return nil
        }
        guard value >= minimum else {
            error("\(text) is too small; expected at least \(minimum)", at: node)
            return nil
        }
        return value
    }

    /// A boolean: true/false (also yes/no, on/off, 1/0, as environment variables often say).
    func bool(_ node: ConfigNode) -> Bool? {
        guard let text = string(node) else { return nil }
        switch text.trimmingWhitespace().lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default:
            error("expected true or false, found '\(text)'", at: node)
            return nil
        }
    }

    /// A duration such as `500ms`, `5m`, `1h`; `minimum` is inclusive.
    func duration(_ node: ConfigNode, minimum: Duration = .zero, maximum: Duration? = nil) -> Duration? {
        guard let text = string(node) else { return nil }
        do {
            let value = try DurationParser.parse(text)
            guard value >= minimum else {
                error("duration '\(text)' is too short; the minimum is \(DurationParser.format(minimum))", at: node)
                return nil
            }
            if let maximum, value > maximum {
                error("duration '\(text)' is too long; the maximum is \(DurationParser.format(maximum))", at: node)
                return nil
            }
            return value
        } catch {
            self.error(error.message, at: node)
            return nil
        }
    }

    /// A byte size such as `64KiB`; at least 1 byte.
    func size(_ node: ConfigNode) -> Int? {
        guard let text = string(node) else { return nil }
        do {
            let value = try ByteSizeParser.parse(text)
            guard value > 0 else {
                error("size must be at least 1 byte", at: node)
                return nil
            }
            return value
        } catch {
            self.error(error.message, at: node)
            return nil
        }
    }

    /// A list of strings; a single value is accepted as a one-element list.
    func stringList(_ node: ConfigNode) -> [String]? {
        if case .scalar = node.node { return string(node).map { [$0] } }
        guard let items = sequence(node) else { return nil }
        let values = items.compactMap { string($0) }
        return values.count == items.count ? values : nil
    }

    /// One of a fixed set of words.
    func choice(_ node: ConfigNode, among choices: [String]) -> String? {
        guard let text = string(node) else { return nil }
        guard choices.contains(text) else {
            error(
                "'\(text)' is not one of \(choices.joined(separator: ", "))",
                at: node,
                suggestion: NearestName.suggest(for: text, among: choices)
            )
            return nil
        }
        return text
    }

    static func describe(_ range: ClosedRange<Int>) -> String {
        switch (range.lowerBound == Int.min, range.upperBound == Int.max) {
        case (true, true): "any whole number"
        case (false, true): "at least \(range.lowerBound)"
        case (true, false): "at most \(range.upperBound)"
        case (false, false): "\(range.lowerBound) to \(range.upperBound)"
        }
    }
}
