import ArgumentParser

/// The `registry` command: serve the P2P registry, check its configuration, list its routes.
@main
struct Registry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "P2P WebRTC signaling and presence registry, configured by routes.yaml, limits.yaml and jobs.yaml.",
        subcommands: [Serve.self, Check.self, Routes.self, Token.self, Jobs.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every subcommand shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Directory holding routes.yaml, limits.yaml and jobs.yaml.")
    var configDir: String = "."
}
