/// How the client waits between announces and reconnection attempts. Tests pass one that records the durations and
/// returns at once; apps keep the default, which sleeps on the continuous clock and throws when cancelled.
public struct Sleeper: Sendable {
    let sleep: @Sendable (Duration) async throws -> Void

    /// A sleeper that calls `sleep` for every wait.
    public init(_ sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.sleep = sleep
    }

    /// Sleeps on `ContinuousClock`.
    public static var continuous: Sleeper {
        Sleeper { duration in try await Task.sleep(for: duration) }
    }
}
