import CMongoc
import Logging

/// Process-wide libmongoc initialisation.
///
/// `mongoc_init()` must run exactly once per process before any other libmongoc call. A lazily
/// initialised `static let` gives that guarantee (Swift runs it once, thread-safely); it is an
/// immutable constant, not shared mutable state. `mongoc_cleanup()` is never called: libmongoc
/// may still be in use by another store until the process exits.
enum MongocRuntime {
    /// libmongoc's own log lines go to swift-log under this label instead of stderr.
    static let logger = Logger(label: "mongoc")

    private static let initialized: Bool = {
        mongoc_init()
        mongoc_log_set_handler(
            { level, domain, message, _ in
                guard let message else { return }
                let text = String(cString: message)
                let source = domain.map { String(cString: $0) } ?? "mongoc"
                switch level {
                case MONGOC_LOG_LEVEL_ERROR, MONGOC_LOG_LEVEL_CRITICAL:
                    MongocRuntime.logger.error("\(text)", metadata: ["mongoc.domain": "\(source)"])
                case MONGOC_LOG_LEVEL_WARNING:
                    MongocRuntime.logger.warning("\(text)", metadata: ["mongoc.domain": "\(source)"])
                case MONGOC_LOG_LEVEL_MESSAGE, MONGOC_LOG_LEVEL_INFO:
                    MongocRuntime.logger.info("\(text)", metadata: ["mongoc.domain": "\(source)"])
                default:
                    MongocRuntime.logger.trace("\(text)", metadata: ["mongoc.domain": "\(source)"])
                }
            },
            nil
        )
        return true
    }()

    /// Runs `mongoc_init()` on first use; later calls do nothing.
    static func ensureInitialized() {
        _ = initialized
    }
}
