import Foundation
import P2PRegistry
import ServerConfig
import ServerEngine

/// Loads the configuration against the registry's handlers, printing diagnostics to stderr.
enum ConfigLoading {
    /// The registry's handlers.
    static func handlers() -> HandlerRegistry {
        var handlers = HandlerRegistry()
        RegistryHandlers.register(into: &handlers)
        return handlers
    }

    /// Loads and checks the files; on failure prints every diagnostic (and, when a file cannot be read, where the
    /// files are looked for) and returns nil. Warnings are printed to stderr when `printWarnings`; `serve` logs them
    /// as JSON events instead.
    static func load(directory: String, handlers: HandlerRegistry, printWarnings: Bool = true) -> ServerConfiguration? {
        do {
            let config = try ConfigLoader(directory: directory, catalog: handlers.catalog).load()
            if printWarnings {
                for warning in config.warnings { printError(warning.description) }
            }
            return config
        } catch {
            printError(error.description)
            if error.code == .unreadableFile { printError(directoryHint(directory)) }
            return nil
        }
    }

    /// Where the files were looked for and how to point the command elsewhere.
    static func directoryHint(_ directory: String) -> String {
        let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
        return "hint: the configuration files are read from \(absolute) (--config-dir DIR, else $REGISTRY_CONFIG_DIR, else the "
            + "current directory); run the command from the directory holding routes.yaml, limits.yaml and jobs.yaml, or pass "
            + "--config-dir with that directory"
    }

    /// Writes a line to standard error.
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
