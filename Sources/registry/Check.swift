import ArgumentParser
import ServerConfig

/// `registry check`: validate the three files and print the resolved values, as operators do before mounting new files.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the configuration files and print the resolved values; exit 1 with diagnostics if invalid."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        guard let config = ConfigLoading.load(directory: options.configDir, handlers: ConfigLoading.handlers()) else {
            throw ExitCode(1)
        }
        print(config.summary())
        print("# configuration valid (digest \(config.digest); a running server shows the digest in force at GET /readyz)")
    }
}
