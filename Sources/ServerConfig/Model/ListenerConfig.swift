/// Where a listener (the HTTP API or the WebSocket signaling server) binds.
public struct ListenerConfig: Sendable, Equatable {
    /// Interface to bind. Default `0.0.0.0`.
    public var host: String
    /// TCP port; 0 picks a free port. Default 3000 for HTTP (`PORT`), 8080 for signaling (`SIGNALING_PORT`).
    public var port: Int
    /// Listen backlog: the kernel's accept queue. Default 4096, so a burst of connects does not overflow it.
    public var backlog: Int

    /// Creates a listener configuration.
    public init(host: String = "0.0.0.0", port: Int, backlog: Int = 4096) {
        self.host = host
        self.port = port
        self.backlog = backlog
    }
}
