import DocumentStore
import Foundation
import ServiceLifecycle

extension WallClock {
    /// Sleeps for `duration` on this clock; false when graceful shutdown or cancellation came first (or had
    /// already come), so a service's loop ends: `while await clock.sleepUnlessShuttingDown(for: poll) { ... }`.
    package func sleepUnlessShuttingDown(for duration: Duration) async -> Bool {
        await sleepUnlessShuttingDown(until: now().addingTimeInterval(duration.seconds))
    }

    /// Sleeps until `deadline` on this clock; false when graceful shutdown or cancellation came first (or had
    /// already come).
    package func sleepUnlessShuttingDown(until deadline: Date) async -> Bool {
        guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return false }
        do {
            try await cancelWhenGracefulShutdown { try await sleep(until: deadline) }
        } catch {
            return false
        }
        return !Task.isShuttingDownGracefully && !Task.isCancelled
    }
}
