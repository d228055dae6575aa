import Hummingbird
import Logging
import NIOCore

/// The request context of the engine's HTTP router: Hummingbird's core storage plus the client address,
/// which per-IP rate limits need.
public struct EngineRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's IP address, or nil when the transport has none (in-process tests).
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }
}
