import Logging
import NIOCore
import NIOWebSocket

/// The protocol side of one upgraded signaling socket, on its event loop (RFC 6455): reads and writes the frames
/// itself (``WebSocketFrameStream``, ``WebSocketWireFrame``; no NIO frame codec in the pipeline), reassembles fragmented
/// messages, checks masking, continuations, sizes and UTF-8 (closing with 1002, 1009 or 1007), answers pings and the
/// close handshake, pings an idle client every `websocket.pingInterval` and drops one that stopped answering, and
/// hands complete messages to the application's receiver through the socket's ``WebSocketInbox``.
package final class WebSocketConnectionHandler: ChannelDuplexHandler {
    package typealias InboundIn = ByteBuffer
    /// Frames already encoded (``WebSocketWireFrame/text(_:allocator:)``).
    package typealias OutboundIn = ByteBuffer
    package typealias OutboundOut = ByteBuffer

    /// What every socket of a listener shares (one object, not a copy per socket).
    package final class Setup: Sendable {
        let services: EngineServices
        let tracker: WebSocketTracker
        let protocolLimit: Int
        let pingInterval: TimeAmount
        /// The ping timers, one per event loop.
        let pings: PingSweeps

        package init(services: EngineServices, tracker: WebSocketTracker, protocolLimit: Int, pingInterval: TimeAmount) {
            self.services = services
            self.tracker = tracker
            self.protocolLimit = protocolLimit
            self.pingInterval = pingInterval
            self.pings = PingSweeps(interval: pingInterval)
        }
    }

    private let setup: Setup
    private let remoteAddress: String?
    private var session: WebSocketSession?
    private var inbox: WebSocketInbox?
    /// The bytes read, as frames.
    private var frames = WebSocketFrameStream()
    /// Set once the bytes read cannot be frames: nothing more is read.
    private var undecodable = false
    /// A fragmented message being reassembled.
    private var partial: (opcode: WebSocketOpcode, data: ByteBuffer)?
    private var sentClose = false
    private var awaitingPong = false
    /// The loop's ping sweep while the socket is in it, and the socket's place there.
    private var pingSweep: PingSweep?
    var pingPlace = -1
    private var forceTimer: Scheduled<Void>?

    /// A handler for one socket of a listener sharing `setup`.
    package init(_ setup: Setup, remoteAddress: String?) {
        self.setup = setup
        self.remoteAddress = remoteAddress
    }

    // MARK: Opening

    package func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            let sweep = setup.pings.sweep(for: context.eventLoop)
            pingPlace = sweep.add(self, context: context)
            pingSweep = sweep
        }
    }

    /// Acts on the handshake's outcome, once the handler is in the pipeline. The outcome is not kept: it holds the
    /// route's closure and parameters, and every byte a socket keeps counts (BENCHMARKS.md, "Memory per socket").
    func start(_ outcome: WebSocketHandshakeOutcome, context: ChannelHandlerContext) {
        switch outcome {
        case .refuse(let code, let reason, let errorFrame):
            if let errorFrame {
                context.writeAndFlush(wrapOutboundOut(WebSocketWireFrame.text(errorFrame, allocator: context.channel.allocator)), promise: nil)
            }
            startClose(code, reason: reason, forceAfter: .seconds(5), context: context)
        case .accept(let handler, let parameters, let user, let route):
            open(handler: handler, parameters: parameters, user: user, route: route, context: context)
        }
    }

    private func open(
        handler: @escaping WebSocketHandler,
        parameters: PathParameters,
        user: AuthenticatedUser?,
        route: String,
        context: ChannelHandlerContext
    ) {
        let tracker = setup.tracker
        guard let connectionId = tracker.nextConnectionId() else {
            startClose(.goingAway, reason: "Server shutting down", forceAfter: .seconds(5), context: context)
            return
        }
        let channel = context.channel
        let session = WebSocketSession(
            connectionId: connectionId,
            parameters: parameters,
            user: user,
            remoteAddress: remoteAddress,
            sendBuffer: WebSocketSendBuffer(budget: tracker.budget, sink: ChannelFrameSink(channel: channel)),
            shared: setup,
            channel: channel
        )
        guard tracker.register(session) else {
            startClose(.goingAway, reason: "Server shutting down", forceAfter: .seconds(5), context: context)
            return
        }
        self.session = session
        let inbox = WebSocketInbox(session: session)
        self.inbox = inbox
        setup.services.metrics.recordWebSocketConnections(1)
        // Nothing is read until the handler has accepted the socket and named its receiver.
        setAutoRead(false, context: context)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        Task {
            let receiver: (any WebSocketReceiver)?
            do {
                receiver = try await handler(session)
            } catch {
                session.logger.error("WebSocket handler failed", metadata: ["route": "\(route)", "error": "\(String(reflecting: error))"])
                session.close(.internalError, reason: "Internal server error")
                receiver = nil
            }
            channel.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.opened(receiver, inbox: inbox, context: context)
            }
        }
    }

    private func opened(_ receiver: (any WebSocketReceiver)?, inbox: WebSocketInbox, context: ChannelHandlerContext) {
        guard let receiver else {
            if !sentClose { startClose(.normal, reason: "", forceAfter: .seconds(5), context: context) }
            return
        }
        inbox.start(receiver)
        guard context.channel.isActive, !sentClose else { return }
        setAutoRead(true, context: context)
        context.read()
    }

    // MARK: Reading

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !undecodable else { return }
        awaitingPong = false
        do {
            try frames.read(unwrapInboundIn(data), maxPayload: setup.protocolLimit, allocator: context.channel.allocator) { frame in
                received(frame, context: context)
            }
        } catch {
            undecodable = true
            switch error {
            case .tooLarge: fail(.messageTooBig, "Frame larger than \(setup.protocolLimit) bytes", context: context)
            case .malformedControlFrame: fail(.protocolError, "Malformed frame", context: context)
            }
        }
    }

    private func received(_ frame: WebSocketWireFrame, context: ChannelHandlerContext) {
        if sentClose && frame.opcode != .connectionClose { return }  // after our close frame only its answer counts
        guard !frame.hasReservedBits else {
            return fail(.protocolError, "Reserved bits set without an extension", context: context)
        }
        guard frame.maskKey != nil else {
            return fail(.protocolError, "Client frames must be masked", context: context)
        }
        switch frame.opcode {
        case .text, .binary:
            guard partial == nil else {
                return fail(.protocolError, "Expected a continuation frame", context: context)
            }
            if frame.fin {
                complete(frame.opcode, frame.unmaskedData, context: context)
            } else {
                partial = (frame.opcode, frame.unmaskedData)
            }
        case .continuation:
            guard var message = partial else {
                return fail(.protocolError, "Continuation frame without a message to continue", context: context)
            }
            partial = nil
            var data = frame.unmaskedData
            guard message.data.readableBytes + data.readableBytes <= setup.protocolLimit else {
                return fail(.messageTooBig, "Message larger than \(setup.protocolLimit) bytes", context: context)
            }
            message.data.writeBuffer(&data)
            if frame.fin {
                complete(message.opcode, message.data, context: context)
            } else {
                partial = message
            }
        case .ping:
            let pong = WebSocketWireFrame.frame(.pong, payload: frame.unmaskedData, allocator: context.channel.allocator)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            break
        case .connectionClose:
            receivedClose(frame.unmaskedData, context: context)
        default:
            fail(.protocolError, "Unknown opcode \(frame.opcode)", context: context)
        }
    }

    private func complete(_ opcode: WebSocketOpcode, _ data: ByteBuffer, context: ChannelHandlerContext) {
        let message: WebSocketMessage
        if opcode == .text {
            guard let text = String(validating: data.readableBytesView, as: UTF8.self) else {
                return fail(.invalidData, "Text message is not valid UTF-8", context: context)
            }
            message = .text(text)
        } else {
            message = .binary(count: data.readableBytes)
        }
        guard let inbox else { return }
        if inbox.push(message) { setAutoRead(false, context: context) }
    }

    /// The client's close frame: answered with the same code (the handshake's second half), then the connection ends.
    private func receivedClose(_ data: ByteBuffer, context: ChannelHandlerContext) {
        var data = data
        var code = WebSocketCloseCode.normal
        if data.readableBytes == 1 {
            return fail(.protocolError, "Close frame with a one-byte payload", context: context)
        }
        if let number = data.readInteger(as: UInt16.self) {
            guard Self.isValidReceivedCloseCode(number) else {
                return fail(.protocolError, "Invalid close code \(number)", context: context)
            }
            guard String(validating: data.readableBytesView, as: UTF8.self) != nil else {
                return fail(.invalidData, "Close reason is not valid UTF-8", context: context)
            }
            code = WebSocketCloseCode(number)
        }
        if sentClose {
            context.close(promise: nil)
            return
        }
        sentClose = true
        context.writeAndFlush(wrapOutboundOut(closeFrame(code, reason: "", context: context))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// RFC 6455 7.4: the codes a peer may send.
    static func isValidReceivedCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1011, 3000...4999: return true
        default: return false
        }
    }

    // MARK: Closing

    /// Closes after a protocol error: the close frame, then the connection, without waiting for the client's answer.
    private func fail(_ code: WebSocketCloseCode, _ reason: String, context: ChannelHandlerContext) {
        partial = nil
        setAutoRead(false, context: context)
        guard !sentClose else {
            context.close(promise: nil)
            return
        }
        sentClose = true
        setup.services.metrics.increment(
            "websocket_protocol_closes_total",
            help: "WebSockets closed for breaking the protocol (RFC 6455), by close code",
            labels: [("code", "\(code.rawValue)")]
        )
        (session?.logger ?? setup.services.logger).notice("closing WebSocket: protocol error", metadata: ["code": "\(code)", "reason": "\(reason)"])
        session?.sendBuffer.close()
        context.writeAndFlush(wrapOutboundOut(closeFrame(code, reason: reason, context: context))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// Sends the close frame behind what was already written; drops the connection if the client has not answered
    /// within `forceAfter`. The watchdog runs on the event loop's clock, not the engine's ``WallClock``: a deliberate
    /// boundary, NIO timers inside channel handlers stay on NIO.
    private func startClose(_ code: WebSocketCloseCode, reason: String, forceAfter: Duration, context: ChannelHandlerContext) {
        guard !sentClose, context.channel.isActive else { return }
        sentClose = true
        leavePingSweep()
        context.writeAndFlush(wrapOutboundOut(closeFrame(code, reason: reason, context: context)), promise: nil)
        // Read again (reading may be paused) to see the client's answer; data frames are ignored from now on.
        setAutoRead(true, context: context)
        context.read()
        forceTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(forceAfter)) {
            context.close(promise: nil)
        }
    }

    package func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let request = event as? WebSocketCloseRequest else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        startClose(request.code, reason: request.reason, forceAfter: request.forceAfter, context: context)
        promise?.succeed()
    }

    /// Writes the application's frames, except after the close frame: the client stops reading at the close frame, so
    /// a message written behind it would count as sent and never arrive. Such a write fails instead (the send buffer
    /// then hands the message back as unsent). It happens when a message was accepted just before the socket closed
    /// and its write reached the event loop after the close.
    package func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard sentClose else {
            context.write(data, promise: promise)
            return
        }
        promise?.fail(ChannelError.outputClosed)
    }

    package func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { session?.sendBuffer.writeWaiting() }
        context.fireChannelWritabilityChanged()
    }

    package func channelInactive(context: ChannelHandlerContext) {
        leavePingSweep()
        forceTimer?.cancel()
        if let session {
            setup.tracker.unregister(session.connectionId)
            setup.services.metrics.recordWebSocketConnections(-1)
            session.sendBuffer.close()
        }
        inbox?.finish()
        context.fireChannelInactive()
    }

    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        (session?.logger ?? setup.services.logger).debug("WebSocket connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Pings

    /// The loop's ping sweep visits the socket: a socket that did not answer the last ping is closed, others pinged.
    func pingTick(context: ChannelHandlerContext) {
        guard context.channel.isActive, !sentClose else { return }
        if awaitingPong {
            (session?.logger ?? setup.services.logger).info("closing WebSocket: no answer to the last ping")
            startClose(.goingAway, reason: "No answer to ping", forceAfter: .seconds(1), context: context)
            return
        }
        awaitingPong = true
        context.writeAndFlush(
            wrapOutboundOut(WebSocketWireFrame.frame(.ping, payload: ByteBuffer(), allocator: context.channel.allocator)),
            promise: nil
        )
    }

    private func leavePingSweep() {
        guard let pingSweep else { return }
        pingSweep.remove(at: pingPlace)
        self.pingSweep = nil
        pingPlace = -1
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        leavePingSweep()
    }

    // MARK: Frames

    private func closeFrame(_ code: WebSocketCloseCode, reason: String, context: ChannelHandlerContext) -> ByteBuffer {
        var data = context.channel.allocator.buffer(capacity: 2 + min(reason.utf8.count, 123))
        data.writeInteger(code.rawValue)
        // A control frame carries at most 125 bytes: the reason is cut at a character boundary.
        var reasonBytes = 0
        for character in reason {
            let size = character.utf8.count
            guard reasonBytes + size <= 123 else { break }
            data.writeString(String(character))
            reasonBytes += size
        }
        return WebSocketWireFrame.frame(.connectionClose, payload: data, allocator: context.channel.allocator)
    }

    private func setAutoRead(_ on: Bool, context: ChannelHandlerContext) {
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: on)
    }
}
