import DocumentStore
import Logging
import ServerConfig

/// What a job handler gets for one run.
public struct JobContext: Sendable {
    /// The job's configuration from jobs.yaml.
    public let job: JobConfig
    /// Store, clock, configuration, logger.
    public let services: EngineServices
    /// A logger carrying the job name and run id.
    public let logger: Logger

    /// Creates a context; the scheduler makes these.
    public init(job: JobConfig, services: EngineServices, logger: Logger) {
        self.job = job
        self.services = services
        self.logger = logger
    }
}

/// What a job run reports: a count of what it changed and details for the run's log event.
public struct JobOutcome: Sendable, Equatable {
    /// How many things the run changed (devices marked offline, coordinators promoted, …).
    public var changed: Int
    /// Details for the log event, such as `["networks": 3]`.
    public var details: [String: String]

    /// Creates an outcome.
    public init(changed: Int = 0, details: [String: String] = [:]) {
        self.changed = changed
        self.details = details
    }
}

/// A job handler: one Swift function, bound by name to a job in jobs.yaml.
public typealias JobHandler = @Sendable (JobContext) async throws -> JobOutcome
