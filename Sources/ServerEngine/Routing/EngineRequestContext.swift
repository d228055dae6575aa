import Hummingbird
import Logging
import NIOCore

/// The request context of the engine's HTTP router: Hummingbird's core storage plus the addresses per-IP bounds need.
public struct EngineRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer's IP address, or nil when the transport has none (in-process tests). Behind a reverse proxy this
    /// is the proxy's address: key per-client limits on ``clientAddress``.
    public let remoteAddress: String?
    /// The client's IP address: the peer's, or the one a trusted proxy forwarded (``ClientAddressResolver``, set by
    /// the engine's outermost middleware). Every per-IP bound, the auth throttle and the request log use it.
    public var clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
        clientAddress = remoteAddress
    }
}
