import Logging

/// A device's signaling socket that stays connected: it reconnects with exponential backoff and jitter when the
/// socket drops or the server restarts, sends the messages kept while disconnected once it is back (and the server
/// delivers the messages queued for the device on connect), asks the token provider for a new token after an
/// authentication close (`1008 Authentication token expired`), and stops for good on `4000 replaced` and on refusals
/// a retry cannot fix.
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
    /// Counts the sockets opened, to tell a settled socket from one that closed during its settle time.
    private var socketNumber = 0
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
        try await deliver(OutgoingFrame.signal(type: type, to: deviceId, data: data, id: id).text())
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

    /// A socket is open: messages go to the outbox until it has stayed open for the settle time, so that a socket the
    /// server refuses right after the upgrade (`1013` while it starts, `1008` for the token) loses none of them.
    private func opened(_ writer: SocketWriter) {
        socketNumber += 1
        let number = socketNumber
        openedAt = .now
        self.writer = writer
        flushing = true
        let (settleTime, sleeper) = (client.configuration.settleTime, client.configuration.sleeper)
        Task {
            try? await sleeper.sleep(settleTime)
            await self.settled(number)
        }
    }

    /// The socket `number` stayed open for the settle time: send what was kept, then report it connected.
    private func settled(_ number: Int) async {
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
        frameSink.yield(frame)
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
