import ArgumentParser
import ServerConfig

/// `registry routes`: the table of bound routes.
struct Routes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the routes: method, path, handler, auth, rate limit.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        guard let config = ConfigLoading.load(directory: options.configDir, handlers: ConfigLoading.handlers()) else {
            throw ExitCode(1)
        }
        print(config.routeTable())
    }
}
