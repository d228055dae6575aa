import ArgumentParser
import DocumentStore
import ServerConfig
import ServerEngine

/// `registry token`: mint a development token with the configured secret.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a JWT for a user, signed with the configured secret (JWT_SECRET), for development and curl."
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "The user id (the token's id and sub claims).")
    var user: String

    @Option(name: .long, help: "Limit the token to this network; repeat for several. Default: no limit.")
    var network: [String] = []

    @Option(name: .long, help: "How long the token is valid, such as 30m, 1h, 7d.")
    var ttl: String = "1h"

    func run() async throws {
        guard let config = ConfigLoading.load(directory: options.configDir, handlers: ConfigLoading.handlers()) else {
            throw ExitCode(1)
        }
        guard config.auth.hasSecret else {
            ConfigLoading.printError("error: JWT_SECRET is not set; export the same secret the server uses")
            throw ExitCode(1)
        }
        let lifetime: Duration
        do {
            lifetime = try DurationParser.parse(ttl)
        } catch {
            ConfigLoading.printError("error: --ttl: \(error.message)")
            throw ExitCode(1)
        }
        let authenticator = await JWTAuthenticator(auth: config.auth, clock: SystemWallClock())
        print(try await authenticator.mint(user: user, networks: network.isEmpty ? nil : network, ttl: lifetime))
    }
}
