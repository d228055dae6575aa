/// Why ``JobScheduler/runOnce(_:)`` could not run a job.
///
/// ```swift
/// do {
///     _ = try await scheduler.runOnce("presenceSweep")
/// } catch let error as JobError where error.code == .unknownJob {
///     print(error.message)  // "unknown job 'sweep'; known jobs: coordinatorElection, presenceSweep"
/// }
/// ```
public struct JobError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case unknownJob
            case missingHandler
            case alreadyRunning
            case leaseHeld
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// No job of that name in jobs.yaml.
        public static let unknownJob = Code(.unknownJob)
        /// The job's handler is not registered (the configuration check normally prevents this).
        public static let missingHandler = Code(.missingHandler)
        /// A run of the job is already in flight in this process.
        public static let alreadyRunning = Code(.alreadyRunning)
        /// Another instance is running the job now (it holds the run lock in `job_leases`).
        public static let leaseHeld = Code(.leaseHeld)

        /// The code's name, e.g. `unknownJob`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence an operator can act on.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
