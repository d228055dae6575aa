import ArgumentParser
import DocumentStore
import Logging
import ServerConfig
import ServerEngine

/// `registry jobs`: operate the scheduled jobs of jobs.yaml.
struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operate the scheduled jobs of jobs.yaml.",
        subcommands: [Run.self]
    )

    /// `registry jobs run NAME`: run one job once now and print its outcome.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one job of jobs.yaml once now (enabled or not) and print what it changed; exit 1 if it fails.",
            discussion: """
                The run takes the job's run lock in job_leases, so it never overlaps a run of the same job on a \
                server instance sharing the store; it does not move the schedule.
                """
        )

        @OptionGroup var options: ConfigOptions

        @Argument(help: "The job's name in jobs.yaml, such as presenceSweep or coordinatorElection.")
        var name: String

        func run() async throws {
            let handlers = ConfigLoading.handlers()
            guard let config = ConfigLoading.load(directory: options.configDir, handlers: handlers) else {
                throw ExitCode(1)
            }
            guard config.jobs.contains(where: { $0.name == name }) else {
                let known = config.jobs.map(\.name)
                ConfigLoading.printError("error: unknown job '\(name)'; known jobs: \(known.isEmpty ? "(none)" : known.joined(separator: ", "))")
                throw ExitCode(1)
            }
            // JSON lines on stderr (stdout is the command's result); LOG_LEVEL, default warning.
            let level = JSONLogHandler.level(fallback: .warning)
            let service = config.service
            LoggingSystem.bootstrap { _ in JSONLogHandler.standardError(service: service, logLevel: level) }
            var logger = Logger(label: config.service)
            logger.logLevel = level
            let clock = SystemWallClock()
            let selected = try await StoreSelection.makeOrExit(config.store, clock: clock, logger: logger)
            let store = selected.store
            let services = EngineServices(configuration: config, store: store, clock: clock, logger: logger)
            let scheduler = JobScheduler(
                jobs: config.jobs,
                handlers: handlers.jobHandlers,
                services: services,
                instanceId: InstanceIdentity.make() + "-cli"
            )
            var failure: String?
            do {
                try await services.prepareStore()
                let outcome = try await scheduler.runOnce(name)
                print(Self.describe(name, outcome, scheduler.statistics[name]?.lastDuration))
            } catch let error as JobError {
                failure = "error: \(error.message)"
            } catch {
                failure = "error: job \(name) failed: \(error)"
            }
            try? await store.shutdown()
            if let failure {
                ConfigLoading.printError(failure)
                throw ExitCode(1)
            }
        }

        /// `presenceSweep: changed 3 (seenBefore=2025-01-01T00:00:00.000Z) in 1.2ms`
        static func describe(_ name: String, _ outcome: JobOutcome, _ duration: Duration?) -> String {
            var text = "\(name): changed \(outcome.changed)"
            if !outcome.details.isEmpty {
                text += " (" + outcome.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
            }
            if let duration {
                let (seconds, attoseconds) = duration.components
                let milliseconds = ((Double(seconds) * 1000 + Double(attoseconds) / 1e15) * 10).rounded() / 10
                text += " in \(milliseconds)ms"
            }
            return text
        }
    }
}
