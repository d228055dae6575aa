import DocumentStore
import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import ServerConfig
import ServerEngine
import Synchronization

/// The signaling WebSocket: relays WebRTC offers, answers and ICE candidates between devices of a network,
/// live when the recipient is connected to this process, else through the offline queue.
///
/// Fixes over the spec's sample code: the sender is the socket's own device; sender and recipient must share
/// a network; only the device's owner may connect as it (a device nobody owns yet is claimed); a message is
/// delivered live or queued, never both; a bad frame gets an error frame and the socket stays usable; one
/// socket per device (a new connection replaces the old, which is closed with 4000 "replaced").
final class SignalingHub: Sendable {
    /// Close code sent to a socket replaced by a newer connection of the same device.
    static let replacedCloseCode = WebSocketErrorCode(codeNumber: 4000)
    /// Close code sent to a receiver that fell too far behind: reconnect and receive the offline queue.
    static let tryAgainLaterCloseCode = WebSocketErrorCode(codeNumber: 1013)

    let directory = ConnectionDirectory()
    private let counters = Mutex(SignalingCounters())

    /// What the hub has done so far.
    var statistics: SignalingCounters { counters.withLock { $0 } }

    /// Serves one socket until it closes.
    func handle(_ session: WebSocketSession) async throws {
        let deviceId = session.parameters["deviceId"] ?? ""
        guard SignalingFrame.isValidDeviceId(deviceId) else {
            try await session.outbound.close(.policyViolation, reason: "Invalid device id")
            return
        }
        guard let user = session.user else {
            try await session.outbound.close(.policyViolation, reason: "Authentication required")
            return
        }
        do {
            try await DeviceOwnership.claim(deviceId: deviceId, for: user, services: session.services, logger: session.logger)
        } catch let error as APIError where error.status == .forbidden {
            try await session.outbound.close(.policyViolation, reason: "Device belongs to another user")
            return
        }
        let logger = {
            var logger = session.logger
            logger[metadataKey: "deviceId"] = "\(deviceId)"
            return logger
        }()
        let flush = QueueFlusher { [self] in await self.flushQueue(deviceId: deviceId, session: session, logger: logger) }
        let services = session.services
        var hooks = WebSocketSendBuffer.Hooks()
        hooks.sent = { [self] _ in
            self.counters.withLock { $0.delivered += 1 }
            RegistryMetrics.count(RegistryMetrics.delivered, on: services.metrics)
        }
        hooks.unsent = { [self] items in
            // Accepted for this socket but never written: back to the offline queue, nothing lost.
            let documents = items.compactMap(\.payload)
            guard !documents.isEmpty else { return }
            Task { await self.requeue(documents, for: deviceId, services: services, logger: logger) }
        }
        hooks.drained = { flush.yield() }  // the receiver caught up: send what was queued meanwhile
        session.sendBuffer.setHooks(hooks)
        let connection = ConnectionDirectory.Connection(
            connectionId: session.connectionId,
            sendBuffer: session.sendBuffer,
            flush: flush,
            close: { code, reason in
                session.close(code, reason: reason, forceAfter: session.services.configuration.limits.webSocket.slowConsumerCloseTimeout)
            }
        )
        if let replaced = directory.register(deviceId, connection) {
            logger.info("replacing previous connection", metadata: ["previous": "\(replaced.connectionId)"])
            // Without waiting: the old socket may be a receiver that stopped reading. Its handler ends when the
            // close handshake completes (or the connection is dropped after the close timeout).
            replaced.close(Self.replacedCloseCode, "replaced")
        }
        await clusterConnected(deviceId, connectionId: session.connectionId, services: session.services, logger: logger)
        defer {
            directory.remove(deviceId, connectionId: session.connectionId)
            flush.finish()
        }
        try? await PresenceRefresher.refresh([deviceId], services: session.services)
        logger.info("signaling connected", metadata: ["userId": "\(user.id)"])
        flush.yield()  // deliver what was queued while the device was away
        // The reader runs in this task; flushes run in short-lived tasks only when requested (QueueFlusher).
        await readFrames(session, deviceId: deviceId, logger: logger)
        await clusterDisconnected(deviceId, connectionId: session.connectionId, services: session.services, logger: logger)
        logger.info("signaling disconnected")
    }

    // MARK: Receiving

    private func readFrames(_ session: WebSocketSession, deviceId: String, logger: Logger) async {
        let settings = SignalingSettings(session.services)
        var bucket = TokenBucket(rate: settings.messagesPerSecond, burst: Double(settings.messageBurst), now: session.services.clock.now())
        var invalidAt: [Date] = []
        var rateViolations = 0
        do {
            for try await message in session.inbound.messages(maxSize: session.protocolMessageLimit) {
                let rejection: SignalingFrame.Rejection?
                let size: Int
                switch message {
                case .binary(let buffer): size = buffer.readableBytes
                case .text(let text): size = text.utf8.count
                }
                if let refusal = session.admitMessage(bytes: size) {
                    session.services.metrics.recordWebSocketLimitRejection(limit: refusal.limit)
                    rejection = SignalingFrame.Rejection(code: "rate_limited", message: refusal.message, countsAsInvalid: false)
                } else {
                    switch message {
                    case .binary:
                        rejection = .binary
                    case .text(let text) where text.utf8.count > session.maxMessageSize:
                        rejection = .tooLarge(limit: session.maxMessageSize)
                    case .text(let text):
                        if bucket.take(now: session.services.clock.now()) {
                            rejection = await relay(text, from: deviceId, session: session, settings: settings, logger: logger)
                        } else {
                            rejection = SignalingFrame.Rejection(
                                code: "rate_limited",
                                message: "Too many messages; at most \(settings.messagesPerSecond) a second",
                                countsAsInvalid: false
                            )
                        }
                    }
                }
                guard let rejection else {
                    rateViolations = 0
                    continue
                }
                counters.withLock { $0.rejected += 1 }
                RegistryMetrics.count(RegistryMetrics.rejected, on: session.services.metrics)
                logger.info("message rejected", metadata: ["code": "\(rejection.code)"])
                try await session.outbound.write(.text(rejection.frame))
                if rejection.code == "rate_limited" {
                    rateViolations += 1
                    let allowed = session.services.configuration.limits.webSocket.maxRateViolations
                    if rateViolations > allowed {
                        session.services.metrics.recordWebSocketLimitRejection(limit: "maxRateViolations")
                        logger.notice("closing socket after repeated rate limit violations", metadata: ["count": "\(rateViolations)"])
                        try await session.outbound.close(.policyViolation, reason: "Too many messages")
                        return
                    }
                    continue
                }
                rateViolations = 0
                guard rejection.countsAsInvalid else { continue }
                let now = session.services.clock.now()
                invalidAt = invalidAt.filter { now.timeIntervalSince($0) < settings.invalidMessageWindow } + [now]
                if invalidAt.count > settings.maxInvalidMessages {
                    logger.notice("closing socket after repeated invalid messages", metadata: ["count": "\(invalidAt.count)"])
                    try await session.outbound.close(.policyViolation, reason: "Too many invalid messages")
                    return
                }
            }
        } catch {
            logger.debug("signaling socket ended", metadata: ["error": "\(error)"])
        }
    }

    /// Validates and routes one text frame; returns the rejection to send back, or nil when relayed or queued.
    private func relay(
        _ text: String,
        from sender: String,
        session: WebSocketSession,
        settings: SignalingSettings,
        logger: Logger
    ) async -> SignalingFrame.Rejection? {
        do {
            let inbound = try SignalingFrame.parse(text, allowedTypes: settings.messageTypes, sender: sender)
            try await checkSameNetwork(sender: sender, recipient: inbound.toPeerId, services: session.services)
            let stored = SignalingFrame.stored(inbound, from: sender, id: ObjectId().hex, at: session.services.clock.now())
            try await deliver(stored, to: inbound.toPeerId, services: session.services, cap: settings.queueCap, logger: logger)
            RegistryMetrics.count(RegistryMetrics.signalingMessages, on: session.services.metrics)
            return nil
        } catch let rejection as SignalingFrame.Rejection {
            return rejection
        } catch {
            logger.error("signaling relay failed", metadata: ["error": "\(String(reflecting: error))"])
            return SignalingFrame.Rejection(code: "server_error", message: "Message could not be relayed; try again", countsAsInvalid: false)
        }
    }

    /// Sender and recipient must both be announced, in the same network.
    private func checkSameNetwork(sender: String, recipient: String, services: EngineServices) async throws {
        let devices = try await services.collection(RegistryCollections.devices).find(
            ["deviceId": ["$in": [.string(sender), .string(recipient)]]],
            options: FindOptions(projection: ["deviceId": 1, "networkId": 1])
        )
        let networks = Dictionary(
            devices.compactMap { device in device["deviceId"]?.stringValue.map { ($0, device["networkId"]?.stringValue) } },
            uniquingKeysWith: { first, _ in first }
        )
        guard let senderNetwork = networks[sender] ?? nil else {
            throw SignalingFrame.Rejection(
                code: "not_announced",
                message: "Announce this device in a network before signaling",
                countsAsInvalid: false
            )
        }
        guard let recipientEntry = networks[recipient], let recipientNetwork = recipientEntry, recipientNetwork == senderNetwork else {
            throw SignalingFrame.Rejection(code: "not_in_network", message: "Peer \(recipient) is not in your network")
        }
    }

    // MARK: Delivering

    /// Delivers live when the recipient is connected here and keeping up, hands the message to the recipient's
    /// instance when it is connected to another one, and otherwise queues it. Never waits for the recipient: a
    /// live message is offered to its bounded send buffer. A recipient whose buffer stays full gets its messages
    /// queued and, past `websocket.slowConsumerOverflow` of them, its socket closed with 1013 so it reconnects
    /// and receives the queue.
    private func deliver(_ stored: Document, to recipient: String, services: EngineServices, cap: Int, logger: Logger) async throws {
        if let connection = directory.connection(for: recipient) {
            if offerLive(stored, to: recipient, connection: connection, services: services, logger: logger) { return }
        } else if try await forwardToOtherInstance(stored, to: recipient, services: services, logger: logger) {
            return
        }
        try await enqueue(stored, to: recipient, services: services, cap: cap, logger: logger)
    }

    /// Offers a message to a connected recipient's send buffer; false when it must be queued instead (the
    /// buffer is full, which past the overflow bound closes the socket with 1013, or the socket is closing).
    func offerLive(
        _ stored: Document,
        to recipient: String,
        connection: ConnectionDirectory.Connection,
        services: EngineServices,
        logger: Logger
    ) -> Bool {
        let limits = services.configuration.limits.webSocket
        switch connection.sendBuffer.offer(WebSocketSendBuffer.Item(text: SignalingFrame.outbound(stored), payload: stored), limits: limits) {
        case .accepted:
            logger.debug("message relayed", metadata: ["to": "\(recipient)", "type": "\(stored["type"]?.stringValue ?? "")"])
            return true
        case .overflow(let count):
            counters.withLock { $0.diverted += 1 }
            RegistryMetrics.count(RegistryMetrics.diverted, on: services.metrics)
            if count == limits.slowConsumerOverflow + 1 {
                counters.withLock { $0.slowConsumerCloses += 1 }
                RegistryMetrics.count(RegistryMetrics.slowConsumerCloses, on: services.metrics)
                logger.notice("closing slow consumer", metadata: ["to": "\(recipient)", "diverted": "\(count)"])
                connection.close(Self.tryAgainLaterCloseCode, "Try again later: receiving too slowly")
            }
            return false
        case .closed:
            return false
        }
    }

    /// Queues a message for `recipient` and wakes whoever serves it now (here, or on another instance): the recipient
    /// may have connected while this was being queued, and must not be left waiting.
    func enqueue(_ stored: Document, to recipient: String, services: EngineServices, cap: Int, logger: Logger) async throws {
        try await store(stored, to: recipient, services: services, cap: cap, logger: logger)
        if let connection = directory.connection(for: recipient) {
            connection.flush.yield()
        } else {
            await nudgeOtherInstance(recipient, services: services)
        }
    }

    /// Stores a message in the offline queue, counting what the cap drops.
    private func store(_ stored: Document, to recipient: String, services: EngineServices, cap: Int, logger: Logger) async throws {
        let dropped = try await SignalingQueue(services: services).enqueue(stored, cap: cap)
        counters.withLock {
            $0.queued += 1
            $0.dropped += dropped
        }
        RegistryMetrics.count(RegistryMetrics.queued, on: services.metrics)
        logger.debug("message queued", metadata: ["to": "\(recipient)", "type": "\(stored["type"]?.stringValue ?? "")"])
        if dropped > 0 {
            RegistryMetrics.count(RegistryMetrics.dropped, dropped, on: services.metrics)
            logger.notice("queue cap reached; dropped oldest", metadata: ["to": "\(recipient)", "dropped": "\(dropped)"])
        }
    }

    /// Puts messages that were taken for a socket but not written back into the offline queue.
    private func requeue(_ messages: [Document], for deviceId: String, services: EngineServices, logger: Logger) async {
        let cap = SignalingSettings(services).queueCap
        for message in messages {
            do {
                try await store(message, to: deviceId, services: services, cap: cap, logger: logger)
            } catch {
                logger.error("could not queue an unsent message again", metadata: ["to": "\(deviceId)", "error": "\(error)"])
            }
        }
        if let connection = directory.connection(for: deviceId) {
            connection.flush.yield()
        } else {
            await nudgeOtherInstance(deviceId, services: services)
        }
    }

    /// Sends the device's queued messages if its send buffer has room; what does not fit goes back to the queue
    /// until the receiver catches up (the buffer's `drained` hook requests another flush).
    private func flushQueue(deviceId: String, session: WebSocketSession, logger: Logger) async {
        let queue = SignalingQueue(services: session.services)
        guard session.sendBuffer.hasRoom, let messages = try? await queue.drain(deviceId), !messages.isEmpty else { return }
        let limits = session.services.configuration.limits.webSocket
        var unsent: [Document] = []
        for message in messages {
            if unsent.isEmpty, session.sendBuffer.offer(.init(text: SignalingFrame.outbound(message), payload: message), limits: limits) == .accepted
            {
                continue
            }
            unsent.append(message)
        }
        if !unsent.isEmpty { await requeue(unsent, for: deviceId, services: session.services, logger: logger) }
        logger.info("delivered queued messages", metadata: ["count": "\(messages.count - unsent.count)"])
    }
}
