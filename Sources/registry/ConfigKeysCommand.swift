import ArgumentParser
import ServerConfig

/// `registry config-keys`: the configuration reference, generated from the key table (the README's block).
struct ConfigKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config-keys",
        abstract: "Print every key of routes.yaml and limits.yaml: type, default, bounds, reload behaviour (Markdown)."
    )

    func run() async throws {
        for file in [ConfigLoader.routesFile, ConfigLoader.limitsFile] {
            print("<!-- config-keys:\(file) -->\n" + ConfigKeys.reference(for: file) + "\n<!-- /config-keys -->\n")
        }
    }
}
