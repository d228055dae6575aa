import ArgumentParser

/// `registry-demo`: two devices find each other through the registry and exchange a message over signaling, with
/// `RegistryClient` doing all the talking. README "Quick start" ends with it.
@main
struct RegistryDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry-demo",
        abstract: "Two devices find each other through the registry and exchange a message over signaling.",
        subcommands: [Chat.self, Bridge.self],
        defaultSubcommand: Chat.self
    )
}

/// Where the registry is and who this device is: the options both subcommands take.
struct DeviceOptions: ParsableArguments {
    @Option(help: "The HTTP API.")
    var api: String = "http://127.0.0.1:3000"

    @Option(help: "The signaling listener.")
    var signaling: String = "ws://127.0.0.1:8080"

    @Option(help: "The network both devices join.")
    var network: String = "demo"

    @Option(help: "This device's id (peer_…).")
    var device: String

    @Option(help: "A JWT for this device's user (`registry token --user alice`); default: the REGISTRY_TOKEN variable.")
    var token: String?

    @Flag(help: "Log the client's connection events.")
    var verbose = false
}
