import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// The signaling listener's WebSocket upgrade (RFC 6455 4.2): checks the request's `Sec-WebSocket-Key` and
/// `Sec-WebSocket-Version: 13`, asks `shouldUpgrade`, answers `101` with `Sec-WebSocket-Accept`, and lets `installSocket`
/// put the socket's handler in place. Unlike NIO's `NIOWebSocketServerUpgrader` it adds no frame decoder and encoder:
/// ``WebSocketConnectionHandler`` reads and writes frames itself.
///
/// A request it does not upgrade (a bad key or version, or `shouldUpgrade` answering nil) goes on as plain HTTP, to
/// ``SignalingHTTPHandler``.
struct SignalingUpgrader: HTTPServerProtocolUpgrader, Sendable {
    let supportedProtocol = "websocket"
    let requiredUpgradeHeaders: [String] = []
    /// Extra response headers to upgrade with, or nil not to upgrade.
    let shouldUpgrade: @Sendable (any Channel, HTTPRequestHead) -> EventLoopFuture<HTTPHeaders?>
    /// Runs on the event loop once the HTTP handlers are gone.
    let installSocket: @Sendable (any Channel) -> EventLoopFuture<Void>

    /// Why a request was not upgraded.
    enum NotUpgraded: Error {
        case invalidHeaders
        case refused
    }

    /// The GUID RFC 6455 appends to the key.
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    func buildUpgradeResponse(
        channel: any Channel,
        upgradeRequest: HTTPRequestHead,
        initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        let keys = upgradeRequest.headers[canonicalForm: "Sec-WebSocket-Key"]
        let versions = upgradeRequest.headers[canonicalForm: "Sec-WebSocket-Version"]
        guard keys.count == 1, versions.count == 1, versions[0] == "13" else {
            return channel.eventLoop.makeFailedFuture(NotUpgraded.invalidHeaders)
        }
        let key = String(keys[0])
        return shouldUpgrade(channel, upgradeRequest).flatMapThrowing { extra in
            guard var headers = extra else { throw NotUpgraded.refused }
            headers.replaceOrAdd(name: "Upgrade", value: "websocket")
            headers.add(name: "Sec-WebSocket-Accept", value: Self.accept(key: key))
            headers.replaceOrAdd(name: "Connection", value: "upgrade")
            return headers
        }
    }

    func upgrade(context: ChannelHandlerContext, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<Void> {
        installSocket(context.channel)
    }

    /// `Sec-WebSocket-Accept` for a request's key: base64 of the SHA-1 of the key and the GUID.
    static func accept(key: String) -> String {
        Data(Insecure.SHA1.hash(data: Data((key + guid).utf8))).base64EncodedString()
    }
}
