import Logging

/// A device's signaling socket that stays connected: it reconnects with exponential backoff and jitter when the
/// socket drops or the server restarts, sends the messages kept while disconnected once it is back (and the server
/// delivers the messages queued for the device on connect), asks the token provider for a new token after an
/// authentication close (`1008 Authentication token expired`), and stops for good on `4000 replaced` and on refusals
/// a retry cannot fix.
///
/// A new socket counts as connected when the server confirms it: the connection sends `{"type":"session_hello"}`
/// first, and the server, which reads nothing before it has accepted the socket, answers `session_welcome`. Until then
/// messages are kept, so none is lost on a socket the server refuses (`1013` while starting, `1008` for the token).
///
/// When the server answers a frame with `not_announced` (the device's presence expired, or it was set offline), the
/// connection announces the device again with the client's last announce of it (the presence loop's, or
/// `RegistryClient.announce`'s; never after `leave`), subscribes to presence again if it was subscribed, and sends the
/// refused message once more when it carried an `id` (the error frame is then not passed on). A refused message
/// without `id`, or one refused again, is passed on as the error frame.
///
/// ```swift
/// let connection = client.signaling(deviceId: "peer_alice_1")
/// await connection.start()
/// try await connection.send(.offer, to: "peer_bob_1", data: ["type": "offer", "sdp": .string(offer.sdp)])
/// for await frame in connection.frames {
///     if case .answer(let answer) = frame { … }
/// }
/// ```
public actor SignalingConnection {
    /// The device this socket is.
    public nonisolated let deviceId: String
    /// Every frame the server sends, in order, across reconnections (one consumer). Ends when the connection ends.
    public nonisolated let frames: AsyncStream<SignalingFrame>
    /// Every change of `state`, in order (one consumer). Ends after `.ended`.
    public nonisolated let states: AsyncStream<ConnectionState>
    /// Where the connection is now.
    public private(set) var state: ConnectionState = .connecting(attempt: 0)

    private let client: RegistryClient
    private let transport: WebSocketTransport
    private let logger: Logger
    private let frameSink: AsyncStream<SignalingFrame>.Continuation
    private let stateSink: AsyncStream<ConnectionState>.Continuation
    private var outbox: Outbox
    private var writer: SocketWriter?
    private var flushing = false
    private var presenceSubscribed = false
    private var openedAt: ContinuousClock.Instant?
    /// Counts the sockets opened, to tell the socket a welcome confirms from one that closed since.
    private var socketNumber = 0
    /// True from a socket's opening until the server confirmed it (`session_welcome`).
    private var awaitingWelcome = false
    /// Messages sent with an `id`, until their receipt or error frame.
    private var sent = SentMessages(limit: 100)
    /// The announce repeated after a `not_announced`, shared by the refusals that arrive meanwhile.
    private var reannouncing: Task<Bool, Never>?
    private var loop: Task<Void, Never>?
    private var stopping = false
    private var end: SignalingEnd?

    /// A connection is open for at least this long before the backoff starts again from its first delay.
    static let stableAfter: Duration = .seconds(5)

    init(client: RegistryClient, deviceId: String) {
        self.client = client
        self.deviceId = deviceId
        var logger = client.logger
        logger[metadataKey: "deviceId"] = "\(deviceId)"
        self.logger = logger
        transport = WebSocketTransport(logger: logger)
        outbox = Outbox(limit: client.configuration.outboxLimit)
        (frames, frameSink) = AsyncStream.makeStream()
        (states, stateSink) = AsyncStream.makeStream()
    }

    /// Opens the socket, and keeps it open until `close()` or a final close. A second call does nothing.
    public func start() {
        guard loop == nil, end == nil else { return }
        loop = Task { await self.run() }
    }

    /// Closes the socket (`1000`) and ends the connection; waits until it has ended.
    public func close() async {
        stopping = true
        if let writer {
            try? await writer.close()
        } else {
            loop?.cancel()
        }
        await loop?.value
        finish(.closedByClient)
    }

    /// Sends an offer, answer or ICE candidate to `deviceId`. While the socket is not open the message is kept and
    /// sent, in order, once it is. `id` (at most 64 characters) asks for a `delivered` receipt (issue 24).
    public func send(_ type: SignalType, to deviceId: String, data: JSONValue, id: String? = nil) async throws {
        let text = try OutgoingFrame.signal(type: type, to: deviceId, data: data, id: id).text()
        if end == nil, let id { sent.remember(id, text: text) }
        try await deliver(text)
    }

    /// Asks for `presence_state` and then `presence_diff` frames of the device's network (issue 24); sent again after
    /// every reconnection until `unsubscribePresence()`.
    public func subscribePresence() async throws {
        presenceSubscribed = true
        if let writer, !flushing { try await writer.send(OutgoingFrame.presenceSubscribe.text()) }
    }

    /// Stops the presence frames (issue 24).
    public func unsubscribePresence() async throws {
        presenceSubscribed = false
        if let writer, !flushing { try await writer.send(OutgoingFrame.presenceUnsubscribe.text()) }
    }

    // MARK: - The connection loop

    private func deliver(_ text: String) async throws {
        if let end { throw RegistryError.signalingEnded(end) }
        guard let writer, !flushing else {
            keep(text)
            return
        }
        do {
            try await writer.send(text)
        } catch {
            keep(text)  // the socket is going away: the message goes out on the next one
        }
    }

    private func keep(_ text: String) {
        let dropped = outbox.dropped
        outbox.append(text)
        if outbox.dropped > dropped {
            logger.warning("signaling outbox full: dropped the oldest message", metadata: ["limit": "\(outbox.limit)"])
        }
    }

    private func run() async {
        var attempt = 0
        var refreshedToken = false
        connecting: while !stopping {
            publish(.connecting(attempt: attempt))
            let token: String
            do {
                token = try await client.tokens.current()
            } catch {
                logger.warning("no token for the signaling socket", metadata: ["error": "\(error)"])
                guard
                    await pause(client.configuration.reconnectBackoff.delay(attempt: attempt), after: SignalingClose(code: 1006, reason: "no token"))
                else { break connecting }
                attempt += 1
                continue
            }
            openedAt = nil
            let close = await transport.run(
                url: client.signalingURL(deviceId: deviceId),
                token: token,
                opened: { writer in await self.opened(writer) },
                received: { text in await self.received(text) }
            )
            writer = nil
            awaitingWelcome = false
            if stopping { break connecting }
            if let openedAt, ContinuousClock.now - openedAt >= Self.stableAfter { attempt = 0 }
            logger.info("signaling socket closed", metadata: ["code": "\(close.code)", "reason": "\(close.reason)"])
            switch close.action {
            case .stop(let reason):
                finish(reason)
                return
            case .refreshToken:
                if refreshedToken {
                    finish(.authenticationFailed(close))
                    return
                }
                refreshedToken = true
                do {
                    _ = try await client.tokens.refresh(replacing: token)
                } catch {
                    logger.warning("the token provider failed", metadata: ["error": "\(error)"])
                    guard await pause(client.configuration.reconnectBackoff.delay(attempt: attempt), after: close) else { break connecting }
                    attempt += 1
                }
            case .reconnect:
                refreshedToken = false
                guard await pause(client.configuration.reconnectBackoff.delay(attempt: attempt), after: close) else { break connecting }
                attempt += 1
            }
        }
        finish(.closedByClient)
    }

    /// Waits before the next attempt; false when the wait was cancelled by `close()`.
    private func pause(_ delay: Duration, after close: SignalingClose) async -> Bool {
        publish(.waiting(retryIn: delay, after: close))
        do {
            try await client.configuration.sleeper.sleep(delay)
            return !stopping
        } catch {
            return false
        }
    }

    /// A socket is open: it sends `session_hello`, and messages go to the outbox until the server answers it, so that
    /// a socket the server refuses right after the upgrade (`1013` while it starts, `1008` for the token) loses none.
    private func opened(_ writer: SocketWriter) async {
        socketNumber += 1
        openedAt = .now
        self.writer = writer
        flushing = true
        awaitingWelcome = true
        do {
            try await writer.send(OutgoingFrame.sessionHello.text())
        } catch {
            logger.notice("signaling socket failed before the hello", metadata: ["error": "\(error)"])
        }
    }

    /// The server confirmed the socket: send what was kept, then report it connected.
    private func accepted() {
        guard awaitingWelcome else { return }
        awaitingWelcome = false
        let number = socketNumber
        Task { await self.flushKept(number) }
    }

    /// Sends what was kept on the socket `number`, then reports it connected.
    private func flushKept(_ number: Int) async {
        guard number == socketNumber, let writer else { return }
        do {
            if presenceSubscribed { try await writer.send(OutgoingFrame.presenceSubscribe.text()) }
            while let text = outbox.next() {
                do {
                    try await writer.send(text)
                } catch {
                    outbox.putBack(text)
                    throw error
                }
            }
            guard number == socketNumber else { return }
            flushing = false
            publish(.connected)
            logger.info("signaling socket open")
        } catch {
            logger.notice("signaling socket failed while sending the kept messages", metadata: ["error": "\(error)"])
        }
    }

    private func received(_ text: String) {
        guard let frame = SignalingFrame.decode(text) else {
            logger.warning("signaling frame is not JSON", metadata: ["frame": "\(text.prefix(200))"])
            return
        }
        if frame.isSessionWelcome {
            accepted()
            return
        }
        if awaitingWelcome {
            if case .error(let refusal) = frame {
                // Before the welcome the socket has sent nothing but the hello: an error frame is a connection limit's
                // refusal (the close follows), or a server without the hello refusing it (it accepted the socket).
                if !Self.connectRefusals.contains(refusal.code) {
                    accepted()
                    return
                }
            } else {
                accepted()  // a message from the device's queue: the socket was accepted
            }
        }
        switch frame {
        case .delivered(let receipt):
            _ = sent.take(receipt.id)
        case .error(let refusal) where refusal.code == "not_announced":
            let message = refusal.id.flatMap { sent.take($0) }
            Task { await self.recover(from: refusal, message: message) }
            return
        case .error(let refusal):
            if let id = refusal.id { _ = sent.take(id) }
        default:
            break
        }
        frameSink.yield(frame)
    }

    /// The error codes of a connection refused at connect (an error frame, then the close).
    static let connectRefusals: Set<String> = ["too_many_connections", "too_many_connects", "server_full"]

    /// `not_announced`: announces the device again and sends the refused message (`message`) once more; passes the
    /// error frame on when that cannot be done.
    private func recover(from refusal: ErrorFrame, message: SentMessages.Entry?) async {
        guard await reannounce() else {
            frameSink.yield(.error(refusal))
            return
        }
        if presenceSubscribed, let writer, !flushing { try? await writer.send(OutgoingFrame.presenceSubscribe.text()) }
        guard let message, !message.resent, let id = refusal.id, end == nil else {
            frameSink.yield(.error(refusal))
            return
        }
        logger.info("sending a message again after announcing the device", metadata: ["id": "\(id)"])
        sent.remember(id, text: message.text, resent: true)
        try? await deliver(message.text)
    }

    /// Announces the device again with the client's last announce of it; false when there is none or it failed.
    private func reannounce() async -> Bool {
        if let reannouncing { return await reannouncing.value }
        guard let last = client.lastAnnouncement(of: deviceId) else {
            logger.notice("the server says the device is not announced, and this client has not announced it")
            return false
        }
        logger.info("the server says the device is not announced: announcing it again", metadata: ["network": "\(last.network)"])
        let (client, logger) = (self.client, self.logger)
        let task = Task {
            do {
                try await client.announce(last.announcement, in: last.network)
                return true
            } catch {
                logger.warning("announcing the device again failed", metadata: ["error": "\(error)"])
                return false
            }
        }
        reannouncing = task
        let announced = await task.value
        reannouncing = nil
        return announced
    }

    private func publish(_ new: ConnectionState) {
        state = new
        stateSink.yield(new)
    }

    private func finish(_ reason: SignalingEnd) {
        guard end == nil else { return }
        end = reason
        writer = nil
        if !outbox.isEmpty {
            logger.notice("signaling connection ended with unsent messages", metadata: ["count": "\(outbox.frames.count)"])
        }
        publish(.ended(reason))
        logger.info("signaling connection ended", metadata: ["reason": "\(reason)"])
        frameSink.finish()
        stateSink.finish()
    }
}
