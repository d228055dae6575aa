import HummingbirdWebSocket
import Logging
import NIOWebSocket
import ServiceLifecycle
import Synchronization

/// Every open WebSocket of the process, so graceful shutdown can close them with 1001 ("going away")
/// and new upgrades are refused while shutting down; and the process-wide accounting behind the WebSocket bounds
/// of limits.yaml: sockets per user and IP, connect rates, message and byte rates, buffered bytes.
public final class WebSocketTracker: Sendable {
    /// Open sockets and connect rates, per process, user and IP.
    public let admission = ConnectionAdmission()
    /// Bytes held in all sockets' send buffers.
    public let budget = ByteBudget()
    /// Message rates per user and per IP, across their sockets.
    let messageBuckets = KeyedTokenBuckets()
    /// Incoming byte rates per user and per IP, across their sockets.
    let byteBuckets = KeyedTokenBuckets()

    private struct State {
        var nextId: UInt64 = 1
        var open: [UInt64: WebSocketOutboundWriter] = [:]
        var closing = false
    }

    private let state = Mutex(State())

    /// Creates an empty tracker.
    public init() {}

    /// Registers a socket; returns its connection id, or nil when the server is shutting down.
    func register(_ outbound: WebSocketOutboundWriter) -> UInt64? {
        state.withLock { state in
            guard !state.closing else { return nil }
            let id = state.nextId
            state.nextId += 1
            state.open[id] = outbound
            return id
        }
    }

    /// Forgets a closed socket.
    func unregister(_ id: UInt64) {
        state.withLock { _ = $0.open.removeValue(forKey: id) }
    }

    /// The number of open sockets.
    public var count: Int { state.withLock { $0.open.count } }

    /// Closes every open socket with 1001 and refuses new ones.
    public func closeAll(reason: String = "Server shutting down") async {
        let sockets = state.withLock { state in
            state.closing = true
            return Array(state.open.values)
        }
        await withTaskGroup(of: Void.self) { group in
            for outbound in sockets {
                group.addTask { try? await outbound.close(.goingAway, reason: reason) }
            }
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
