/// A scheduled job from jobs.yaml, bound to a job handler by name.
///
/// ```yaml
/// jobs:
///   presenceSweep:
///     handler: presenceSweep
///     interval: ${PRESENCE_CLEANUP_INTERVAL:-300000}ms
///     enabled: true
/// ```
public struct JobConfig: Sendable, Equatable {
    /// The job's name (its key in jobs.yaml).
    public var name: String
    /// Name of the registered job handler.
    public var handler: String
    /// Time between runs. At least 10ms.
    public var interval: Duration
    /// How long a run's lease in `job_leases` lasts before another instance may take over. Default: the interval.
    public var lease: Duration
    /// Disabled jobs are not scheduled (but `registry jobs run` can still run them). Default true.
    public var enabled: Bool
    /// Where the job is written.
    public var location: SourceLocation
    /// Where individual keys (`handler`, `rateLimit`, `ttl`) are written, for diagnostics that point at the exact line.
    public var keyLocations: [String: SourceLocation] = [:]

    /// Creates a job.
    public init(name: String, handler: String, interval: Duration, lease: Duration? = nil, enabled: Bool = true, location: SourceLocation) {
        self.name = name
        self.handler = handler
        self.interval = interval
        self.lease = lease ?? interval
        self.enabled = enabled
        self.location = location
    }
}
