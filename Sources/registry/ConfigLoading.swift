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

    /// Loads and checks the files; on failure prints every diagnostic and returns nil.
    static func load(directory: String, handlers: HandlerRegistry) -> ServerConfiguration? {
        do {
            let config = try ConfigLoader(directory: directory, catalog: handlers.catalog).load()
            for warning in config.warnings { printError(warning.description) }
            return config
        } catch {
            printError(error.description)
            return nil
        }
    }

    /// Writes a line to standard error.
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
