import Synchronization

/// A process-wide count of bytes held in WebSocket send buffers, so all sockets together stay under
/// `websocket.maxBufferedBytes` whatever each of them does.
package final class ByteBudget: Sendable {
    private let used = Mutex(0)

    /// Creates an empty budget.
    package init() {}

    /// Bytes currently reserved.
    package var bytes: Int { used.withLock { $0 } }

    /// Reserves `count` bytes if the total stays within `limit`.
    func reserve(_ count: Int, limit: Int) -> Bool {
        used.withLock { used in
            guard used + count <= limit else { return false }
            used += count
            return true
        }
    }

    /// Returns `count` reserved bytes.
    func release(_ count: Int) {
        used.withLock { $0 -= count }
    }
}
