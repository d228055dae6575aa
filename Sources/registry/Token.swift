import ArgumentParser
import DocumentStore
import Foundation
import ServerConfig
import ServerEngine

/// `registry token`: mint a development token with the configured secret.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a JWT for a user, signed with the configured secret (JWT_SECRET), for development and curl.",
        discussion: """
            Only JWT_SECRET is needed: when the configuration directory has no routes.yaml, the token is signed with \
            JWT_SECRET and HS256; when it has one, with routes.yaml's auth.jwt settings (secret and first algorithm).
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "The user id (the token's id and sub claims).")
    var user: String

    @Option(name: .long, help: "Limit the token to this network; repeat for several. Default: no limit.")
    var network: [String] = []

    @Option(name: .long, help: "How long the token is valid, such as 30m, 1h, 7d.")
    var ttl: String = "1h"

    func run() async throws {
        let auth = try authConfiguration()
        guard auth.hasSecret else {
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
        let authenticator = await JWTAuthenticator(auth: auth, clock: SystemWallClock())
        print(try await authenticator.mint(user: user, networks: network.isEmpty ? nil : network, ttl: lifetime))
    }

    /// routes.yaml's auth settings when the configuration directory has the files, else JWT_SECRET with HS256.
    private func authConfiguration() throws -> AuthConfig {
        let routes = URL(fileURLWithPath: options.configDir).appendingPathComponent(ConfigLoader.routesFile).path
        guard FileManager.default.fileExists(atPath: routes) else {
            return AuthConfig(jwtSecret: ProcessInfo.processInfo.environment["JWT_SECRET"] ?? "")
        }
        guard let config = ConfigLoading.load(directory: options.configDir, handlers: ConfigLoading.handlers()) else {
            throw ExitCode(1)
        }
        return config.auth
    }
}
