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
    /// The limits file: sizes, rate limits, TTLs, settings.
    public static let limitsFile = "limits.yaml"
    /// The jobs file: scheduled jobs.
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
    public func load() throws(ConfigError) -> ServerConfiguration {
        var texts: [String: String] = [:]
        var missing: [ConfigDiagnostic] = []
        for file in [Self.routesFile, Self.limitsFile, Self.jobsFile] {
            let path = directory.hasSuffix("/") ? directory + file : directory + "/" + file
            if let data = FileManager.default.contents(atPath: path) {
                texts[file] = String(decoding: data, as: UTF8.self)
            } else {
                let required = file == Self.routesFile
                missing.append(
                    ConfigDiagnostic(
                        severity: required ? .error : .warning,
                        location: SourceLocation(file: file),
                        keyPath: "",
                        message: required ? "cannot read \(path)" : "cannot read \(path); using defaults"
                    )
                )
            }
        }
        return try load(sources: texts, directory: directory, extraDiagnostics: missing)
    }

    /// Decodes and checks file contents given as strings, keyed by file name; for tests and tools.
    public func load(
        sources: [String: String],
        directory: String = ".",
        extraDiagnostics: [ConfigDiagnostic] = []
    ) throws(ConfigError) -> ServerConfiguration {
        let reader = ConfigReader(environment: environment)
        for diagnostic in extraDiagnostics {
            reader.report(diagnostic.severity, diagnostic.message, at: diagnostic.location, keyPath: diagnostic.keyPath)
        }
        let routes = root(
            of: Self.routesFile,
            sources,
            reader,
            allowed: ["service", "http", "websocket", "auth", "store", "metrics", "cluster", "routes", "websockets", "collections"]
        )
        let limits = root(of: Self.limitsFile, sources, reader, allowed: ConfigReader.limitsKeys)
        let jobs = root(of: Self.jobsFile, sources, reader, allowed: ["jobs"])

        var config = ServerConfiguration(directory: directory)
        if let service = routes?["service"].flatMap(reader.string), !service.isEmpty { config.service = service }
        (config.http, config.clientAddress) = reader.httpListener(routes?["http"])
        config.webSocket = reader.listener(routes?["websocket"], defaultPort: 8080)
        config.auth = reader.auth(routes?["auth"])
        config.store = reader.store(routes?["store"])
        config.metrics = reader.metrics(routes?["metrics"], httpHost: config.http.host)
        config.cluster = reader.cluster(routes?["cluster"])
        config.routes = reader.routes(routes?["routes"])
        config.webSocketRoutes = reader.webSocketRoutes(routes?["websockets"])
        config.collections = reader.collections(routes?["collections"])
        config.limits = reader.limits(limits, settingSpecs: catalog?.settings)
        config.jobs = reader.jobs(jobs)
        ConfigChecker(reader: reader, catalog: catalog).check(config)

        let sorted = reader.diagnostics.sorted {
            ($0.severity == .error ? 0 : 1, $0.location.file, $0.location.line, $0.location.column)
                < ($1.severity == .error ? 0 : 1, $1.location.file, $1.location.line, $1.location.column)
        }
        guard !reader.hasErrors else { throw ConfigError(diagnostics: sorted) }
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
            reader.unparsedFiles.insert(file)
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            reader.report(
                .error,
                "duplicate key \(keys)",
                at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
                keyPath: ""
            )
        } catch let error as YamlError {
            reader.unparsedFiles.insert(file)
            let (line, column, problem) = Self.describe(error)
            reader.report(.error, "invalid YAML: \(problem)", at: SourceLocation(file: file, line: line, column: column), keyPath: "")
        } catch {
            reader.unparsedFiles.insert(file)
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
