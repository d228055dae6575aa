import Foundation

/// Runs blocking socket I/O on a thread of its own. Blocking inside a task (even a detached one) would hold
/// one of the cooperative pool's few threads (two on these machines): two such tests at once would stall
/// the very servers they wait for, and every other test in the process with them.
///
/// ```swift
/// let head = try await BlockingIO.run { try LoopbackSocket.connect(port: port).readHead() }
/// ```
public enum BlockingIO {
    /// Runs `work` on a new thread and returns its result.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
