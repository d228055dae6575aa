import DocumentStore
import Logging
import ServerConfig
import ServiceLifecycle

/// Runs the enabled jobs of jobs.yaml at their intervals, one run of a job at a time across every
/// instance sharing the store (a lease in `job_leases`).
///
/// The scheduling itself lands with the jobs issue (8); until then `run()` only waits for shutdown.
public struct JobScheduler: Service {
    /// The engine-owned collection of job leases.
    public static let collectionName = "job_leases"

    private let jobs: [JobConfig]
    private let handlers: [String: JobHandler]
    private let services: EngineServices
    /// This instance's id, written into the leases it holds.
    public let instanceId: String

    /// Creates a scheduler for the configured jobs.
    public init(jobs: [JobConfig], handlers: [String: JobHandler], services: EngineServices, instanceId: String) {
        self.jobs = jobs
        self.handlers = handlers
        self.services = services
        self.instanceId = instanceId
    }

    /// Schedules the enabled jobs until graceful shutdown.
    public func run() async throws {
        try await gracefulShutdown()
    }
}
