import ServerConfig

/// Makes a WebSocket handler's contract for a configuration: frames may follow limits.yaml's settings (such as the
/// accepted message types).
public typealias WebSocketContractProvider = @Sendable (ServerConfiguration) -> WebSocketContract

/// The frames of a WebSocket handler in both directions, and how its sockets close: declared once, next to the
/// handler's registration, and published as an AsyncAPI document (`registry asyncapi`).
///
/// ```swift
/// registry.webSocket("signaling", contract: { _ in WebSocketContract(receives: [offer], sends: [relayed, error]) }) { … }
/// ```
public struct WebSocketContract: Sendable, Equatable {
    /// One kind of frame.
    public struct Frame: Sendable, Equatable {
        /// A short name, unique within the contract (`offer`, `errorFrame`).
        public var name: String
        /// What the frame is for.
        public var summary: String
        /// The JSON text frame's shape.
        public var payload: JSONShape

        /// Creates a frame.
        public init(_ name: String, summary: String, payload: JSONShape) {
            self.name = name
            self.summary = summary
            self.payload = payload
        }
    }

    /// One close code the server sends, with its reasons and when.
    public struct Close: Sendable, Equatable {
        /// The code.
        public var code: WebSocketCloseCode
        /// The reason texts, or a description of them.
        public var reasons: String
        /// When it is sent.
        public var when: String

        /// Creates a close code entry.
        public init(_ code: WebSocketCloseCode, _ reasons: String, when: String) {
            self.code = code
            self.reasons = reasons
            self.when = when
        }
    }

    /// Frames the client sends.
    public var receives: [Frame]
    /// Frames the server sends.
    public var sends: [Frame]
    /// The close codes the handler sends (the engine adds its own: authentication, limits, protocol errors).
    public var closes: [Close]

    /// Creates a contract.
    public init(receives: [Frame], sends: [Frame], closes: [Close] = []) {
        self.receives = receives
        self.sends = sends
        self.closes = closes
    }
}
