import Yams

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Loads and checks routes.yaml, limits.yaml and jobs.yaml from a directory.
///
/// Every scalar has `${VAR}` / `${VAR:-default}` expanded from `environment`. All problems are collected,
/// so one run shows every mistake with its file, line and key.
///
/// ```swift
/// let loader = ConfigLoader(directory: "/etc/registry", catalog: handlers.catalog)
/// let config = try loader.load()  // throws ConfigError listing every diagnostic
/// ```
public struct ConfigLoader: Sendable {
    /// The routes file: listeners, auth, store, routes, WebSocket routes, collections. Required.
    public static let routesFile = "routes.yaml"
    /// The limits file: sizes, rate limits, TTLs, settings. Required.
    public static let limitsFile = "limits.yaml"
    /// The jobs file: scheduled jobs. Optional: without it no job is scheduled.
    public static let jobsFile = "jobs.yaml"

    /// The directory holding the three files.
    public var directory: String
    /// Variables for substitution; the process environment by default.
    public var environment: [String: String]
    /// Names the program provides; nil skips the handler and required-name checks.
    public var catalog: BindingCatalog?

    /// Creates a loader.
    public init(directory: String, environment: [String: String] = ProcessInfo.processInfo.environment, catalog: BindingCatalog? = nil) {
        self.directory = directory
        self.environment = environment
        self.catalog = catalog
    }

    /// Reads, decodes and checks the files.
    ///
    /// A file that cannot be read is reported first, and the checks that need it are skipped, so the cause is
    /// not buried under the errors that follow from it. routes.yaml and limits.yaml are required (routes name rate
    /// limits and TTLs of limits.yaml); a missing jobs.yaml is a warning and means no jobs.
    public func load() throws(ConfigError) -> ServerConfiguration {
        var texts: [String: String] = [:]
        var unreadable: [ConfigDiagnostic] = []
        for file in [Self.routesFile, Self.limitsFile, Self.jobsFile] {
            let path = directory.hasSuffix("/") ? directory + file : directory + "/" + file
            if let data = FileManager.default.contents(atPath: path) {
                texts[file] = String(decoding: data, as: UTF8.self)
            } else {
                unreadable.append(unreadableDiagnostic(file, path: path))
            }
        }
        return try load(sources: texts, directory: directory, extraDiagnostics: unreadable)
    }

    /// Why a file could not be read, an error when the configuration cannot do without it.
    private func unreadableDiagnostic(_ file: String, path: String) -> ConfigDiagnostic {
        let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
        let required = file != Self.jobsFile
        return ConfigDiagnostic(
            severity: required ? .error : .warning,
            location: SourceLocation(file: file),
            keyPath: "",
            message: "cannot read \(path) (\(reason))" + (required ? "" : "; using defaults")
        )
    }

    /// Decodes and checks file contents given as strings, keyed by file name; for tests and tools. A file named by
    /// one of `extraDiagnostics` (such as "cannot read") and absent from `sources` counts as unusable: the checks
    /// that need it are skipped.
    public func load(
        sources: [String: String],
        directory: String = ".",
        extraDiagnostics: [ConfigDiagnostic] = []
    ) throws(ConfigError) -> ServerConfiguration {
        let reader = ConfigReader(environment: environment)
        for diagnostic in extraDiagnostics {
            reader.report(diagnostic.severity, diagnostic.message, at: diagnostic.location, keyPath: diagnostic.keyPath)
            if sources[diagnostic.location.file] == nil { reader.unusableFiles.insert(diagnostic.location.file) }
        }
        let routes = root(of: Self.routesFile, sources, reader, allowed: ConfigKeys.names(in: Self.routesFile, under: ""))
        let limits = root(of: Self.limitsFile, sources, reader, allowed: ConfigKeys.names(in: Self.limitsFile, under: ""))
        let jobs = root(of: Self.jobsFile, sources, reader, allowed: ConfigKeys.names(in: Self.jobsFile, under: ""))

        var config = ServerConfiguration(directory: directory)
        let sections = routes.map { reader.readKeys(of: Self.routesFile, map: $0, into: &config) } ?? [:]
        reader.applyCORSEnvironment(&config.cors, map: sections["http.cors"])
        reader.checkAlgorithmSecrets(config.auth, jwt: sections["auth.jwt"])
        reader.checkCluster(config.cluster, map: sections["cluster"])
        reader.checkICE(config.ice, map: sections["ice"])
        config.routes = reader.routes(routes?["routes"])
        config.webSocketRoutes = reader.webSocketRoutes(routes?["websockets"])
        config.collections = reader.collections(routes?["collections"])
        if let limits { _ = reader.readKeys(of: Self.limitsFile, map: limits, into: &config) }
        reader.namedLimits(limits, settingSpecs: catalog?.settings, into: &config.limits)
        config.jobs = reader.jobs(jobs)
        ConfigChecker(reader: reader, catalog: catalog).check(config)

        // A file that cannot be read comes first: it is the cause to fix before anything else.
        let unreadable = Set(extraDiagnostics.map(\.location.file)).subtracting(sources.keys)
        func rank(_ diagnostic: ConfigDiagnostic) -> (Int, Int, String, Int, Int) {
            let isUnreadable = unreadable.contains(diagnostic.location.file) && diagnostic.location.line == 0
            return (
                isUnreadable ? 0 : 1, diagnostic.severity == .error ? 0 : 1, diagnostic.location.file, diagnostic.location.line,
                diagnostic.location.column
            )
        }
        let sorted = reader.diagnostics.sorted { rank($0) < rank($1) }
        guard !reader.hasErrors else {
            let unreadableError = sorted.contains { unreadable.contains($0.location.file) && $0.severity == .error && $0.location.line == 0 }
            throw ConfigError(code: unreadableError ? .unreadableFile : .invalidConfiguration, diagnostics: sorted)
        }
        config.warnings = sorted
        config.sources = sources
        return config
    }

    /// Parses one file's top-level mapping; an empty file is an empty mapping.
    private func root(of file: String, _ sources: [String: String], _ reader: ConfigReader, allowed: [String]) -> MappingReader? {
        guard let text = sources[file] else { return nil }
        do {
            guard let node = try Yams.compose(yaml: text) else { return nil }
            return reader.mapping(ConfigNode(node: node, file: file, keyPath: ""), allowed: allowed)
        } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
            reader.unusableFiles.insert(file)
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            reader.report(
                .error,
                "duplicate key \(keys)",
                at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
                keyPath: ""
            )
        } catch let error as YamlError {
            reader.unusableFiles.insert(file)
            let (line, column, problem) = Self.describe(error)
            reader.report(.error, "invalid YAML: \(problem)", at: SourceLocation(file: file, line: line, column: column), keyPath: "")
        } catch {
            reader.unusableFiles.insert(file)
            reader.report(.error, "invalid YAML: \(error)", at: SourceLocation(file: file), keyPath: "")
        }
        return nil
    }

    private static func describe(_ error: YamlError) -> (Int, Int, String) {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let text = context.map { "\($0.text) \(problem)" } ?? problem
            return (mark.line, mark.column, text)
        default:
            return (0, 0, "\(error)")
        }
    }
}
