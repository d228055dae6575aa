/// What the upgrade of one signaling connection decided, before the socket's handlers are installed.
enum WebSocketHandshakeOutcome: Sendable {
    /// Serve the socket with `handler`.
    case accept(handler: WebSocketHandler, parameters: PathParameters, user: AuthenticatedUser?, route: String)
    /// Send `errorFrame` (when set), then close with `code` and `reason`.
    case refuse(code: WebSocketCloseCode, reason: String, errorFrame: String?)
}
