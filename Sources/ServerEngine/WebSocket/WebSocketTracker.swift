import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Every open WebSocket of the process, so graceful shutdown can close them with 1001 ("going away")
/// and new upgrades are refused while shutting down; and the process-wide accounting behind the WebSocket bounds
/// of limits.yaml: connections per user and IP, connect rates, message and byte rates, buffered bytes.
package final class WebSocketTracker: Sendable {
    /// Connections and connect rates, per process, user and IP.
    package let admission = ConnectionAdmission()
    /// Bytes held in all sockets' send buffers.
    package let budget = ByteBudget()
    /// Message rates per user and per IP, across their sockets.
    let messageBuckets = KeyedTokenBuckets()
    /// Incoming byte rates per user and per IP, across their sockets.
    let byteBuckets = KeyedTokenBuckets()

    private struct State {
        var nextId: UInt64 = 1
        var open: [UInt64: WebSocketSession] = [:]
        var closing = false
    }

    private let state = Mutex(State())

    /// Creates an empty tracker.
    package init() {}

    /// A new connection id, or nil when the server is shutting down.
    func nextConnectionId() -> UInt64? {
        state.withLock { state in
            guard !state.closing else { return nil }
            defer { state.nextId += 1 }
            return state.nextId
        }
    }

    /// Registers an open socket; false when the server is shutting down.
    func register(_ session: WebSocketSession) -> Bool {
        state.withLock { state in
            guard !state.closing else { return false }
            state.open[session.connectionId] = session
            return true
        }
    }

    /// Forgets a closed socket.
    func unregister(_ id: UInt64) {
        state.withLock { _ = $0.open.removeValue(forKey: id) }
    }

    /// The number of open sockets.
    package var count: Int { state.withLock { $0.open.count } }

    /// True once ``closeAll(reason:)`` ran.
    var isClosing: Bool { state.withLock { $0.closing } }

    /// Closes every open socket with 1001, refuses new ones, and waits (at most `patience`) until they are gone.
    package func closeAll(reason: String = "Server shutting down", patience: Duration = .seconds(5)) async {
        let sessions = state.withLock { state in
            state.closing = true
            return Array(state.open.values)
        }
        let futures = sessions.compactMap { session -> EventLoopFuture<Void>? in
            session.close(.goingAway, reason: reason, forceAfter: patience)
            return session.channel?.closeFuture
        }
        await withTaskGroup(of: Void.self) { group in
            for future in futures { group.addTask { try? await future.get() } }
        }
    }
}

/// Closes every tracked socket with 1001 when the server shuts down gracefully.
struct WebSocketShutdownService: Service {
    let tracker: WebSocketTracker
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        let count = tracker.count
        await tracker.closeAll()
        if count > 0 { logger.info("closed WebSockets for shutdown", metadata: ["count": "\(count)"]) }
    }
}
