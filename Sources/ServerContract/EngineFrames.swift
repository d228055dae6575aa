import ServerEngine

/// What the engine itself sends on every WebSocket route, whatever the handler: the error frame of a connection
/// refused by the connection limits, and the close codes of authentication, limits and protocol errors.
enum EngineFrames {
    static let sends: [WebSocketContract.Frame] = [
        WebSocketContract.Frame(
            "connectionRefused",
            summary: "Sent at connect when a connection limit refuses the socket, just before the close (1008, or 1013 for server_full)",
            payload: .object([
                .init("error", .string()),
                .init("code", .oneOf(["too_many_connections", "too_many_connects", "server_full"])),
            ])
        )
    ]

    static let closes: [WebSocketContract.Close] = [
        .init(.normal, "—", when: "the client closed; the server answers its close"),
        .init(.goingAway, "`Server shutting down`, `No answer to ping`", when: "the server is stopping, or the client stopped answering pings"),
        .init(
            .protocolError,
            "`Client frames must be masked`, `Expected a continuation frame`, `Malformed frame`, `Unknown opcode 3`, …",
            when: "the client broke RFC 6455"
        ),
        .init(.invalidData, "`Text message is not valid UTF-8`, `Close reason is not valid UTF-8`", when: "invalid UTF-8"),
        .init(
            .policyViolation,
            "`Authentication required`, `Invalid authentication token`, `Authentication token expired`, "
                + "`Authentication token has no expiry (exp claim)`, `Too many failed authentications; retry in N s`, "
                + "`Token does not grant access to network N`, `Too many open connections …`, `Too many connections a minute …`",
            when: "authentication, the network claim, or the connection limits"
        ),
        .init(.messageTooBig, "`Message larger than N bytes`, `Frame larger than N bytes`", when: "a frame over four times the message limit"),
        .init(.internalError, "`Internal server error`, `Authentication is not configured`", when: "the server failed"),
        .init(
            .tryAgainLater,
            "`Try again later: the store is not ready`, `Server at capacity; try again later`",
            when: "the server is starting, or at `websocket.maxConnections`"
        ),
    ]
}
