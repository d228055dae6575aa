/// limits.yaml's keyed sections: `http`, `websocket`, `authThrottle`, `presence`. (Its named sections, `rateLimits`,
/// `ttls` and `settings`, hold names the routes and the application choose; they are read by `ConfigReader+Limits`.)
extension ConfigKeys {
    static let limits: [ConfigKey] =
        http + webSocketSizes + webSocketConnections + webSocketRates + webSocketBuffers + webSocketHandshake
        + authThrottle + presence

    private static let file = ConfigLoader.limitsFile
    private static let counts = 1...Int(Int32.max)
    private static let zeroOrMore = 0...Int(Int32.max)

    private static let http: [ConfigKey] = [
        ConfigKey(file, "http.maxBodySize", \.limits.maxBodySize, .size(), reload: .live, "Larger request bodies get 413."),
        ConfigKey(
            file,
            "http.maxHeaderSize",
            \.limits.maxHeaderSize,
            .size(raisedTo: 1024),
            reload: .restart,
            "Request line and headers together; a larger head closes the connection."
        ),
        ConfigKey(
            file,
            "http.idleTimeout",
            \.limits.idleTimeout,
            .duration(minimum: .milliseconds(100)),
            reload: .restart,
            "No complete request part for this long closes the connection (slowloris, idle keep-alive)."
        ),
        ConfigKey(
            file,
            "http.bodyReadTimeout",
            \.limits.bodyReadTimeout,
            .duration(minimum: .milliseconds(100)),
            reload: .live,
            "A body not received within this gets 408."
        ),
    ]

    private static let webSocketSizes: [ConfigKey] = [
        ConfigKey(
            file,
            "websocket.maxFrameSize",
            \.limits.maxFrameSize,
            .size(),
            reload: .reconnect,
            "Largest accepted signaling message; an open socket keeps the frame limit it started with."
        ),
        ConfigKey(
            file,
            "websocket.pingInterval",
            \.limits.pingInterval,
            .duration(minimum: .milliseconds(10)),
            reload: .restart,
            "How often the server pings each socket."
        ),
    ]

    private static let webSocketConnections: [ConfigKey] = [
        ConfigKey(
            file,
            "websocket.maxConnections",
            \.limits.webSocket.maxConnections,
            .int(in: counts),
            reload: .live,
            "Open sockets per process (keep below `ulimit -n`); past it an upgrade is closed with 1013."
        ),
        ConfigKey(
            file,
            "websocket.maxConnectionsPerUser",
            \.limits.webSocket.maxConnectionsPerUser,
            .int(in: counts),
            reload: .live,
            "Open sockets per user; past it an error frame and close 1008."
        ),
        ConfigKey(
            file,
            "websocket.maxConnectionsPerIP",
            \.limits.webSocket.maxConnectionsPerIP,
            .int(in: counts),
            reload: .live,
            "Open sockets per client IP, counted from accept; past it close 1008."
        ),
        ConfigKey(
            file,
            "websocket.connectsPerMinutePerUser",
            \.limits.webSocket.connectsPerMinutePerUser,
            .int(in: counts),
            reload: .live,
            "Upgrades per user in any minute; past it close 1008."
        ),
        ConfigKey(
            file,
            "websocket.connectsPerMinutePerIP",
            \.limits.webSocket.connectsPerMinutePerIP,
            .int(in: counts),
            reload: .live,
            "Upgrades per IP in any minute; past it close 1008."
        ),
    ]

    private static let webSocketRates: [ConfigKey] = [
        ConfigKey(
            file,
            "websocket.messagesPerSecondPerUser",
            \.limits.webSocket.messagesPerSecondPerUser,
            .number(minimum: 0.001),
            reload: .live,
            "Messages a second across a user's sockets (burst of two seconds); over it a rate_limited error frame."
        ),
        ConfigKey(
            file,
            "websocket.messagesPerSecondPerIP",
            \.limits.webSocket.messagesPerSecondPerIP,
            .number(minimum: 0.001),
            reload: .live,
            "Messages a second across an IP's sockets (burst of two seconds)."
        ),
        ConfigKey(
            file,
            "websocket.bytesPerSecondPerUser",
            \.limits.webSocket.bytesPerSecondPerUser,
            .size(),
            reload: .live,
            "Incoming bytes a second across a user's sockets (burst of two seconds)."
        ),
        ConfigKey(
            file,
            "websocket.bytesPerSecondPerIP",
            \.limits.webSocket.bytesPerSecondPerIP,
            .size(),
            reload: .live,
            "Incoming bytes a second across an IP's sockets (burst of two seconds)."
        ),
        ConfigKey(
            file,
            "websocket.maxRateViolations",
            \.limits.webSocket.maxRateViolations,
            .int(in: zeroOrMore),
            reload: .live,
            "Rate-limited messages in a row before the socket is closed with 1008."
        ),
    ]

    private static let webSocketBuffers: [ConfigKey] = [
        ConfigKey(
            file,
            "websocket.sendBuffer",
            \.limits.webSocket.sendBufferBytes,
            .size(),
            reload: .live,
            "Bytes buffered per socket for a receiver that is not reading; past it messages go to the offline queue."
        ),
        ConfigKey(
            file,
            "websocket.sendBufferMessages",
            \.limits.webSocket.sendBufferMessages,
            .int(in: counts),
            reload: .live,
            "Messages buffered per socket; past it messages go to the offline queue."
        ),
        ConfigKey(
            file,
            "websocket.slowConsumerOverflow",
            \.limits.webSocket.slowConsumerOverflow,
            .int(in: zeroOrMore),
            reload: .live,
            "Messages sent to the offline queue for a full send buffer before the socket is closed with 1013."
        ),
        ConfigKey(
            file,
            "websocket.slowConsumerCloseTimeout",
            \.limits.webSocket.slowConsumerCloseTimeout,
            .duration(minimum: .milliseconds(10)),
            reload: .live,
            "A closed slow socket that does not take its close frame is dropped after this."
        ),
        ConfigKey(
            file,
            "websocket.maxBufferedBytes",
            \.limits.webSocket.maxBufferedBytes,
            .size(),
            reload: .live,
            "All sockets' send buffers together."
        ),
    ]

    private static let webSocketHandshake: [ConfigKey] = [
        ConfigKey(
            file,
            "websocket.handshakeTimeout",
            \.limits.webSocket.handshakeTimeout,
            .duration(minimum: .milliseconds(10)),
            reload: .live,
            "A connection that has not completed its upgrade by then is closed."
        ),
        ConfigKey(
            file,
            "websocket.maxHeaderSize",
            \.limits.webSocket.maxHeaderSize,
            .size(raisedTo: 1024),
            reload: .live,
            "The upgrade request's head; larger gets 431 and a close."
        ),
        ConfigKey(
            file,
            "websocket.allowedOrigins",
            \.limits.webSocket.allowedOrigins,
            .list(type: "list of origins", bounds: "no '*'") { $0.origins($1, allowingAny: false) },
            reload: .live,
            "Browser origins whose pages may open a signaling socket (another Origin gets 403); empty: no check."
        ),
    ]

    private static let authThrottle: [ConfigKey] = [
        ConfigKey(
            file,
            "authThrottle.window",
            \.limits.authThrottle.window,
            .duration(minimum: .milliseconds(1)),
            reload: .live,
            "Invalid tokens per client IP are counted over this window."
        ),
        ConfigKey(
            file,
            "authThrottle.slowAfter",
            \.limits.authThrottle.slowAfter,
            .int(in: zeroOrMore),
            reload: .live,
            "Failures answered at once; later ones wait delay × excess."
        ),
        ConfigKey(file, "authThrottle.delay", \.limits.authThrottle.delay, .duration(), reload: .live, "The wait per failure past slowAfter."),
        ConfigKey(file, "authThrottle.maxDelay", \.limits.authThrottle.maxDelay, .duration(), reload: .live, "The longest wait."),
        ConfigKey(
            file,
            "authThrottle.maxFailures",
            \.limits.authThrottle.maxFailures,
            .int(in: zeroOrMore),
            reload: .live,
            "Then the IP is refused (429 / close 1008) for blockFor; 0 disables."
        ),
        ConfigKey(
            file,
            "authThrottle.blockFor",
            \.limits.authThrottle.blockFor,
            .duration(minimum: .milliseconds(1)),
            reload: .live,
            "How long a blocked IP is refused."
        ),
    ]

    private static let presence: [ConfigKey] = [
        ConfigKey(
            file,
            "presence.diffInterval",
            \.limits.presence.diffInterval,
            .duration(minimum: .milliseconds(10), maximum: .seconds(60)),
            reload: .live,
            "One presence_diff per network per interval, none when nothing changed."
        )
    ]
}
