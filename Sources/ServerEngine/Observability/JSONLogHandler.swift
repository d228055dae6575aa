import DocumentStore
import Foundation
import Logging

/// A swift-log handler writing one JSON object per line, the spec's `logEvent` shape plus `level`:
///
/// ```json
/// {"timestamp":"2024-01-20T12:00:00.000Z","level":"info","service":"p2p-registry","event":"signaling connected","requestId":"…","data":{"deviceId":"d1"}}
/// ```
///
/// `event` is the log message, `data` the metadata (the logger's, the provider's and the call's), `requestId` is
/// lifted out of the metadata when present (HTTP requests; Hummingbird's own `hb.request.id` is dropped, or used as
/// `requestId` on an event that has no other). An event logged by a library rather than the application
/// (Hummingbird, swift-service-lifecycle, SwiftNIO) carries `source`, the library's module. Secrets are scrubbed before writing: the values of
/// keys such as `authorization`, `token`, `secret` and `password` become `[redacted]`, and anything shaped like a
/// JWT or a `token=` query item is masked wherever it appears.
///
/// Bootstrap it once, in the executable (never in a library or a test, as `LoggingSystem.bootstrap` is global):
///
/// ```swift
/// LoggingSystem.bootstrap { label in JSONLogHandler.standardOutput(service: "p2p-registry") }
/// ```
///
/// Tests construct one with their own sink: `Logger(label: "t") { _ in JSONLogHandler(service: "s", sink: lines.append) }`.
public struct JSONLogHandler: LogHandler {
    /// Receives each rendered line (without its newline).
    public typealias Sink = @Sendable (String) -> Void

    /// The `service` field.
    public let service: String
    private let sink: Sink
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a handler writing lines to `sink`; the level defaults to info.
    public init(service: String, logLevel: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil, sink: @escaping Sink) {
        self.service = service
        self.logLevel = logLevel
        self.metadataProvider = metadataProvider
        self.sink = sink
    }

    /// A handler writing to standard output, one line per event.
    public static func standardOutput(service: String, logLevel: Logger.Level = .info) -> JSONLogHandler {
        JSONLogHandler(service: service, logLevel: logLevel, sink: StandardStreamSink.stdout.write)
    }

    /// A handler writing to standard error, for commands whose standard output is their result.
    public static func standardError(service: String, logLevel: Logger.Level = .info) -> JSONLogHandler {
        JSONLogHandler(service: service, logLevel: logLevel, sink: StandardStreamSink.stderr.write)
    }

    /// The level named by `LOG_LEVEL` (trace, debug, info, notice, warning, error, critical), else `fallback`.
    public static func level(
        fromEnvironment environment: [String: String] = ProcessInfo.processInfo.environment,
        fallback: Logger.Level = .info
    ) -> Logger.Level {
        environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? fallback
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        sink(
            Self.render(
                level: event.level,
                message: "\(event.message)",
                metadata: merged,
                service: service,
                timestamp: Date(),
                source: event.source
            )
        )
    }

    /// One event as a JSON line.
    static func render(
        level: Logger.Level,
        message: String,
        metadata: Logger.Metadata,
        service: String,
        timestamp: Date,
        source: String = ""
    ) -> String {
        var metadata = metadata
        let libraryRequestId = metadata.removeValue(forKey: hummingbirdRequestIdKey)
        let requestId = metadata.removeValue(forKey: "requestId") ?? libraryRequestId
        var document: Document = [
            "timestamp": .string(ISO8601Milliseconds.string(from: timestamp)),
            "level": .string(level.rawValue),
            "service": .string(service),
            "event": .string(LogRedaction.scrub(message)),
        ]
        if isLibrary(source) { document["source"] = .string(source) }
        if let requestId { document["requestId"] = .string(LogRedaction.scrub("\(requestId)")) }
        document["data"] = .document(Document(metadata.sorted { $0.key < $1.key }.map { ($0.key, value(of: $0.value, key: $0.key)) }))
        return JSONWriter.string(.document(document))
    }

    /// The request id Hummingbird puts in each request's logger; ours (`requestId`) is the one logged.
    static let hummingbirdRequestIdKey = "hb.request.id"

    /// Whether the module `source` is a library whose events the application does not name itself.
    static func isLibrary(_ source: String) -> Bool {
        ["Hummingbird", "ServiceLifecycle", "NIO"].contains { source.hasPrefix($0) }
    }

    private static func value(of metadata: Logger.Metadata.Value, key: String) -> Value {
        if LogRedaction.isSecretKey(key) { return .string(LogRedaction.placeholder) }
        switch metadata {
        case .string(let text): return .string(LogRedaction.scrub(text))
        case .stringConvertible(let convertible): return .string(LogRedaction.scrub(convertible.description))
        case .array(let items): return .array(items.map { value(of: $0, key: "") })
        case .dictionary(let entries):
            return .document(Document(entries.sorted { $0.key < $1.key }.map { ($0.key, value(of: $0.value, key: $0.key)) }))
        }
    }
}

/// Where ``JSONLogHandler/standardOutput(service:logLevel:)`` writes: whole lines, one write each, under a lock
/// so concurrent events never interleave.
final class StandardStreamSink: Sendable {
    static let stdout = StandardStreamSink(descriptor: FileHandle.standardOutput)
    static let stderr = StandardStreamSink(descriptor: FileHandle.standardError)

    private let handle: FileHandle
    private let lock = NSLock()

    private init(descriptor: FileHandle) { handle = descriptor }

    func write(_ line: String) {
        let data = Data((line + "\n").utf8)
        lock.withLock { handle.write(data) }
    }
}
