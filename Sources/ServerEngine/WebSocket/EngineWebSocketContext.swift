import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization

/// The request context of the signaling listener: Hummingbird's WebSocket context plus the client address.
public struct EngineWebSocketContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Where hummingbird-websocket keeps the upgrade's handler. Swapped for a fresh one once the socket is
    /// upgraded (``releaseUpgradeReference()``): hummingbird-websocket 2.8.1 stores a value holding this context
    /// in it and never clears it, a reference cycle that would otherwise keep every upgraded request's context.
    public var webSocket: WebSocketHandlerReference<Self> { webSocketHolder.reference.withLock { $0 } }
    private let webSocketHolder = WebSocketReferenceHolder()
    /// The client's IP address, when known.
    public let remoteAddress: String?
    /// The connection's channel while it is open, so a socket that does not take its close frame can be dropped.
    ///
    /// Held weakly: hummingbird-websocket 2.8.1 keeps every upgraded request's context alive (the context's
    /// `webSocket` reference stores a value holding the context itself, and nothing clears it), so a strong
    /// reference here would keep every closed connection's channel and buffers too.
    public var channel: (any Channel)? { channelReference.channel }
    private let channelReference: WeakChannel

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
        channelReference = WeakChannel(source.channel)
    }
}

extension EngineWebSocketContext {
    /// Breaks hummingbird-websocket's reference cycle once the upgrade's handler runs (it has been read by then).
    func releaseUpgradeReference() {
        webSocketHolder.reference.withLock { $0 = WebSocketHandlerReference() }
    }
}

/// The swappable home of a context's `webSocket` reference.
final class WebSocketReferenceHolder: Sendable {
    let reference = Mutex(WebSocketHandlerReference<EngineWebSocketContext>())
}

/// A weak reference to a channel.
final class WeakChannel: @unchecked Sendable {
    // Written once in init; weak loads are atomic.
    weak var channel: (any Channel)?

    init(_ channel: any Channel) { self.channel = channel }
}
