import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOWebSocket

/// The open socket, as the connection writes to it.
struct SocketWriter: Sendable {
    let outbound: WebSocketOutboundWriter

    func send(_ text: String) async throws { try await outbound.write(.text(text)) }
    func close() async throws { try await outbound.close(.normalClosure, reason: nil) }
}

/// Opens one signaling socket and runs it until it closes: SwiftNIO's WebSocket client (hummingbird-websocket's
/// WSClient: NIOPosix and NIOSSL on Linux, Network.framework through NIOTransportServices on Apple platforms). It is
/// used on every platform, so the transport the tests run here is the one apps ship; Foundation's
/// `URLSessionWebSocketTask` fails on Linux (swift-corelibs-foundation goes through libcurl, and Debian's libcurl is
/// built without WebSocket support: "WebSockets not supported by libcurl").
struct WebSocketTransport: Sendable {
    /// The largest message accepted from the server.
    static let maxMessageSize = 1 << 22

    let logger: Logger

    /// Connects to `url` with `token` in the `Authorization` header, calls `opened` once the upgrade is done, then
    /// `received` for each text message, and returns how the socket closed.
    func run(
        url: String,
        token: String,
        opened: @escaping @Sendable (SocketWriter) async -> Void,
        received: @escaping @Sendable (String) async -> Void
    ) async -> SignalingClose {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        let configuration = WebSocketClientConfiguration(maxFrameSize: Self.maxMessageSize, additionalHeaders: headers)
        do {
            let close = try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                await opened(SocketWriter(outbound: outbound))
                for try await message in inbound.messages(maxSize: Self.maxMessageSize) {
                    if case .text(let text) = message { await received(text) }
                }
            }
            guard let close else { return SignalingClose(code: 1006, reason: "") }
            return SignalingClose(code: Int(UInt16(webSocketErrorCode: close.closeCode)), reason: close.reason ?? "")
        } catch {
            return SignalingClose(code: 1006, reason: String(describing: error))
        }
    }
}
