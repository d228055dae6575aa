import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// The request context of the signaling listener: Hummingbird's WebSocket context plus the client address.
public struct EngineWebSocketContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    /// The client's IP address, when known.
    public let remoteAddress: String?
    /// The connection's channel, so a socket that does not take its close frame can be dropped.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        webSocket = WebSocketHandlerReference()
        remoteAddress = source.channel.remoteAddress?.ipAddress
        channel = source.channel
    }
}
