import ArgumentParser
import DocumentStore
import ServerConfig
import ServerEngine

/// `registry jobs`: operate the scheduled jobs of jobs.yaml.
struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operate the scheduled jobs of jobs.yaml.",
        subcommands: [Run.self]
    )

    /// `registry jobs run NAME`: ask the running instance to run one job once now, and print its outcome.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask the running server to run one job of jobs.yaml once now (enabled or not) and print what it changed.",
            discussion: """
                The command reaches the instance through its control socket (--control-socket, default: computed from \
                the configuration's service name and HTTP port, as `serve` does), authenticated with a token signed with \
                JWT_SECRET. The instance runs the job on its own store through its scheduler: the run takes the job's run \
                lock in job_leases, so it never overlaps a run of the same job on any instance, and does not move the \
                schedule. Exit 1 when no instance answers, the job is unknown or busy, or the run failed.
                """
        )

        @OptionGroup var options: ConfigOptions

        @Option(
            name: .long,
            help: "The instance's control socket (default: $REGISTRY_CONTROL_SOCKET, else the path `serve` uses for this configuration)."
        )
        var controlSocket: String?

        @Argument(help: "The job's name in jobs.yaml, such as presenceSweep or coordinatorElection.")
        var name: String

        func run() async throws {
            guard let config = ConfigLoading.load(directory: options.configDir, handlers: ConfigLoading.handlers()) else {
                throw ExitCode(1)
            }
            guard config.jobs.contains(where: { $0.name == name }) else {
                let known = config.jobs.map(\.name)
                ConfigLoading.printError("error: unknown job '\(name)'; known jobs: \(known.isEmpty ? "(none)" : known.joined(separator: ", "))")
                throw ExitCode(1)
            }
            guard let path = ControlSocketPath.resolve(explicit: controlSocket, configuration: config) else {
                ConfigLoading.printError(
                    "error: the configuration's HTTP port is 0 (chosen at start), so the server's control socket has no default path; "
                        + "pass the path the server logged (`control socket listening`) with --control-socket"
                )
                throw ExitCode(1)
            }
            let client = ControlClient(path: path, token: try await controlToken(config))
            do {
                let report = try client.runJob(name)
                print(Self.describe(report))
            } catch {
                if error.noInstance {
                    ConfigLoading.printError(
                        "error: no running registry instance at \(path) (\(error.description)); start `registry serve` with the same "
                            + "configuration, or pass its socket with --control-socket. The job was not run."
                    )
                } else {
                    ConfigLoading.printError("error: \(error.description)")
                }
                throw ExitCode(1)
            }
        }

        /// A one-minute control token signed with the configured secret, or nil without a secret.
        private func controlToken(_ config: ServerConfiguration) async throws -> String? {
            guard config.auth.hasSecret else { return nil }
            let authenticator = await JWTAuthenticator(auth: config.auth, clock: SystemWallClock())
            return try await authenticator.mint(user: ControlClient.controlUser, networks: [], ttl: .seconds(60))
        }

        /// `presenceSweep: changed 3 (seenBefore=2025-01-01T00:00:00.000Z) in 1.2ms on instance host-1a2b`
        static func describe(_ report: ControlClient.JobRunReport) -> String {
            var text = "\(report.job): changed \(report.changed)"
            if !report.details.isEmpty {
                text += " (" + report.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
            }
            return text + " in \(report.durationMs)ms on instance \(report.instance)"
        }
    }
}
