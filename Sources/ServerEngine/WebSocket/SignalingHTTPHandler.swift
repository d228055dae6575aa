import DocumentStore
import NIOCore
import NIOHTTP1

/// Plain HTTP on the signaling listener, for the requests that are not upgraded: `GET /healthz`, `426 Upgrade
/// Required` for a WebSocket path requested without an upgrade, JSON `404`/`405` for the rest, `400` for a request
/// that does not parse (`431` for an oversized head), `403` for an upgrade from an origin `websocket.allowedOrigins`
/// does not list. Every answer closes the connection: this port is for sockets.
final class SignalingHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let service: String
    private let connection: SignalingConnectionState
    private let isWebSocketPath: @Sendable (Substring) -> Bool
    private var head: HTTPRequestHead?
    private var answered = false

    init(service: String, connection: SignalingConnectionState, isWebSocketPath: @escaping @Sendable (Substring) -> Bool) {
        self.service = service
        self.connection = connection
        self.isWebSocketPath = isWebSocketPath
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = WebSocketHandshake.path(of: head.uri)
        let isRead = head.method == .GET || head.method == .HEAD
        if path == "/healthz" {
            guard isRead else {
                return answer(
                    .methodNotAllowed,
                    ["error": .string("Method \(head.method.rawValue) not allowed; use GET, HEAD")],
                    extra: [("allow", "GET, HEAD")],
                    head: head,
                    context: context
                )
            }
            return answer(.ok, ["status": .string("ok"), "service": .string(service)], head: head, context: context)
        }
        if isWebSocketPath(path) {
            guard isRead else {
                return answer(
                    .methodNotAllowed,
                    ["error": .string("Method \(head.method.rawValue) not allowed; open a WebSocket with GET")],
                    extra: [("allow", "GET")],
                    head: head,
                    context: context
                )
            }
            return answer(
                .upgradeRequired,
                ["error": .string("Upgrade Required: open a WebSocket to this path (Connection: Upgrade, Upgrade: websocket)")],
                extra: [("upgrade", "websocket"), ("connection", "Upgrade, close")],
                head: head,
                context: context
            )
        }
        answer(.notFound, ["error": .string("Not found: \(head.method.rawValue) \(path)")], head: head, context: context)
    }

    private func answer(
        _ status: HTTPResponseStatus,
        _ body: Document,
        extra: [(String, String)] = [],
        head: HTTPRequestHead?,
        context: ChannelHandlerContext
    ) {
        guard !answered else { return }
        answered = true
        let text = JSONWriter.string(.document(body))
        var headers = HTTPHeaders([("content-type", "application/json; charset=utf-8"), ("content-length", "\(text.utf8.count)")])
        if !extra.contains(where: { $0.0 == "connection" }) { headers.add(name: "connection", value: "close") }
        for (name, value) in extra { headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head?.version ?? .http1_1, status: status, headers: headers))), promise: nil)
        if head?.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError {
            if error == .headerOverflow {
                answer(
                    .init(statusCode: 431, reasonPhrase: "Request Header Fields Too Large"),
                    ["error": .string("Request header too large")],
                    head: nil,
                    context: context
                )
            } else {
                answer(.badRequest, ["error": .string("Malformed HTTP request")], head: nil, context: context)
            }
        } else if let origin = connection.forbiddenOrigin {
            answer(.forbidden, ["error": .string("Origin \(origin) is not allowed to open a signaling socket")], head: nil, context: context)
        } else if let request = connection.unroutedUpgrade {
            // NIO's upgrader refuses an upgrade to a path that is no WebSocket route with an error, not the request.
            answer(.notFound, ["error": .string("Not found: \(request)")], head: nil, context: context)
        } else {
            answer(.badRequest, ["error": .string("Bad WebSocket upgrade request")], head: nil, context: context)
        }
    }
}
