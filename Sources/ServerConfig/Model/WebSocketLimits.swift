/// Bounds on the WebSocket listener under abuse, from limits.yaml's `websocket:` section.
///
/// Connections count towards the per-IP and process caps from the moment they are accepted; the per-user caps and
/// connect rates are checked when a socket is upgraded; message and byte rates on every
/// incoming message; the send buffer on every outgoing one. The engine reads these values at the point of use, so a
/// reloaded configuration applies to the next connection or message.
///
/// ```yaml
/// websocket:
///   maxConnections: 10000
///   maxConnectionsPerUser: 10
///   sendBuffer: 256KiB
/// ```
public struct WebSocketLimits: Sendable, Equatable {
    /// Open sockets per process; past it an upgrade is closed with 1013 and logged. Default 10000 (`websocket.maxConnections`).
    /// Keep it below the process's open-file limit (`ulimit -n`) minus the HTTP connections you expect.
    public var maxConnections: Int
    /// Open sockets per authenticated user; past it an upgrade is closed with 1008. Default 10 (`websocket.maxConnectionsPerUser`).
    public var maxConnectionsPerUser: Int
    /// Open sockets per client IP address; past it an upgrade is closed with 1008. Default 1000 (`websocket.maxConnectionsPerIP`).
    public var maxConnectionsPerIP: Int
    /// Upgrades per user in any minute (sliding); past it closed with 1008. Default 30 (`websocket.connectsPerMinutePerUser`).
    public var connectsPerMinutePerUser: Int
    /// Upgrades per IP in any minute (sliding); past it closed with 1008. Default 1200 (`websocket.connectsPerMinutePerIP`).
    public var connectsPerMinutePerIP: Int
    /// Messages a second across all of a user's sockets (token bucket, burst of two seconds). Default 100
    /// (`websocket.messagesPerSecondPerUser`).
    public var messagesPerSecondPerUser: Double
    /// Messages a second across all sockets of one IP (token bucket, burst of two seconds). Default 2000
    /// (`websocket.messagesPerSecondPerIP`).
    public var messagesPerSecondPerIP: Double
    /// Incoming message bytes a second across all of a user's sockets (token bucket, burst of two seconds). Default 1MiB
    /// (`websocket.bytesPerSecondPerUser`).
    public var bytesPerSecondPerUser: Int
    /// Incoming message bytes a second across all sockets of one IP (token bucket, burst of two seconds). Default 16MiB
    /// (`websocket.bytesPerSecondPerIP`).
    public var bytesPerSecondPerIP: Int
    /// Rate-limited messages in a row a socket may send (each answered with an error frame) before it is closed with
    /// 1008. Default 20 (`websocket.maxRateViolations`).
    public var maxRateViolations: Int
    /// Outgoing bytes buffered per socket for a receiver that is not reading; past it messages go to the offline queue.
    /// Default 256KiB (`websocket.sendBuffer`).
    public var sendBufferBytes: Int
    /// Outgoing messages buffered per socket; past it messages go to the offline queue. Default 256
    /// (`websocket.sendBufferMessages`).
    public var sendBufferMessages: Int
    /// Messages sent to the offline queue because a socket's send buffer was full, before that socket is closed with
    /// 1013 (try again later) so the client reconnects and drains. Default 100 (`websocket.slowConsumerOverflow`).
    public var slowConsumerOverflow: Int
    /// How long a socket closed for being slow may take to accept its close frame before the connection is dropped.
    /// Default 10s (`websocket.slowConsumerCloseTimeout`).
    public var slowConsumerCloseTimeout: Duration
    /// Outgoing bytes buffered across all sockets of the process; past it new messages go to the offline queue instead.
    /// Default 64MiB (`websocket.maxBufferedBytes`).
    public var maxBufferedBytes: Int
    /// How long an accepted connection may take to complete its WebSocket upgrade before it is closed (idle and
    /// half-sent request heads included). Default 10s (`websocket.handshakeTimeout`).
    public var handshakeTimeout: Duration
    /// The largest request head (request line and headers) the signaling listener reads; a larger one is answered
    /// `431` and closed. Default 16KiB (`websocket.maxHeaderSize`).
    public var maxHeaderSize: Int
    /// The browser origins whose pages may open a signaling socket (`websocket.allowedOrigins`, lowercased). An upgrade
    /// request whose `Origin` header names another origin is refused with `403` before the upgrade; a request without
    /// `Origin` (the mobile apps, servers) is never refused for it. Default empty: no origin check.
    public var allowedOrigins: [String]

    /// Creates limits; every argument has the documented default.
    public init(
        maxConnections: Int = 10_000,
        maxConnectionsPerUser: Int = 10,
        maxConnectionsPerIP: Int = 1000,
        connectsPerMinutePerUser: Int = 30,
        connectsPerMinutePerIP: Int = 1200,
        messagesPerSecondPerUser: Double = 100,
        messagesPerSecondPerIP: Double = 2000,
        bytesPerSecondPerUser: Int = 1 << 20,
        bytesPerSecondPerIP: Int = 16 << 20,
        maxRateViolations: Int = 20,
        sendBufferBytes: Int = 256 * 1024,
        sendBufferMessages: Int = 256,
        slowConsumerOverflow: Int = 100,
        slowConsumerCloseTimeout: Duration = .seconds(10),
        maxBufferedBytes: Int = 64 << 20,
        handshakeTimeout: Duration = .seconds(10),
        maxHeaderSize: Int = 16 * 1024,
        allowedOrigins: [String] = []
    ) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerUser = maxConnectionsPerUser
        self.maxConnectionsPerIP = maxConnectionsPerIP
        self.connectsPerMinutePerUser = connectsPerMinutePerUser
        self.connectsPerMinutePerIP = connectsPerMinutePerIP
        self.messagesPerSecondPerUser = messagesPerSecondPerUser
        self.messagesPerSecondPerIP = messagesPerSecondPerIP
        self.bytesPerSecondPerUser = bytesPerSecondPerUser
        self.bytesPerSecondPerIP = bytesPerSecondPerIP
        self.maxRateViolations = maxRateViolations
        self.sendBufferBytes = sendBufferBytes
        self.sendBufferMessages = sendBufferMessages
        self.slowConsumerOverflow = slowConsumerOverflow
        self.slowConsumerCloseTimeout = slowConsumerCloseTimeout
        self.maxBufferedBytes = maxBufferedBytes
        self.handshakeTimeout = handshakeTimeout
        self.maxHeaderSize = maxHeaderSize
        self.allowedOrigins = allowedOrigins
    }

    /// Whether an upgrade request with this `Origin` header (nil: none) may open a socket.
    public func allows(origin: String?) -> Bool {
        guard let origin, !allowedOrigins.isEmpty else { return true }
        return allowedOrigins.contains(origin.lowercased())
    }
}
