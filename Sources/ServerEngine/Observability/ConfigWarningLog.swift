import Logging
import ServerConfig

/// Logs the configuration's warnings (such as a short JWT secret) as events, so a JSON log stays JSON: at start-up
/// (`registry serve`) and on each reload.
public enum ConfigWarningLog {
    /// One `configuration warning` event (level warning) per warning, with its `file`, `line`, `key`, `message` and
    /// `suggestion` when known.
    public static func log(_ warnings: [ConfigDiagnostic], to logger: Logger) {
        for warning in warnings {
            var metadata: Logger.Metadata = ["file": "\(warning.location.file)", "message": "\(warning.message)"]
            if warning.location.line > 0 { metadata["line"] = "\(warning.location.line)" }
            if !warning.keyPath.isEmpty { metadata["key"] = "\(warning.keyPath)" }
            if let suggestion = warning.suggestion { metadata["suggestion"] = "\(suggestion)" }
            logger.warning("configuration warning", metadata: metadata)
        }
    }
}
