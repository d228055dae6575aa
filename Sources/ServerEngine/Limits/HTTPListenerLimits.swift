import HummingbirdCore
import NIOCore
import ServerConfig

/// limits.yaml's HTTP connection bounds as Hummingbird's HTTP/1 channel configuration: the request head size
/// (`http.maxHeaderSize`) and the idle timeout (`http.idleTimeout`), which closes a connection that sends its request
/// head too slowly (slowloris) or stays idle between keep-alive requests. Applied when a listener starts.
enum HTTPListenerLimits {
    /// The HTTP/1 channel configuration for `limits`.
    static func channelConfiguration(_ limits: LimitsConfig) -> HTTP1Channel.Configuration {
        HTTP1Channel.Configuration(
            idleTimeout: TimeAmount(limits.idleTimeout),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: limits.maxHeaderSize,
                maxHeaderListSize: limits.maxHeaderSize,
                maxHeaderFieldCount: 100
            )
        )
    }
}
