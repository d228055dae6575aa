import ArgumentParser
import Foundation
import ServerEngine

/// The `registry` command: serve the P2P registry, check its configuration, list its routes.
@main
struct Registry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "P2P WebRTC signaling and presence registry, configured by routes.yaml, limits.yaml and jobs.yaml.",
        version: "registry \(BuildInfo.description)",
        subcommands: [Serve.self, Check.self, Routes.self, ConfigKeysCommand.self, OpenAPICommand.self, AsyncAPICommand.self, Token.self, Jobs.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every subcommand shares.
struct ConfigOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Directory holding routes.yaml, limits.yaml and jobs.yaml (default: $REGISTRY_CONFIG_DIR, else the current directory)."
    )
    var configDir: String = ProcessInfo.processInfo.environment["REGISTRY_CONFIG_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "."
}
