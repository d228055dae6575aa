import DocumentStore
import Foundation
import HTTPTypes
import Logging
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
    static let replacedCloseCode = WebSocketCloseCode(4000)
    /// Close code sent to a receiver that fell too far behind: reconnect and receive the offline queue.
    static let tryAgainLaterCloseCode = WebSocketCloseCode.tryAgainLater

    let directory = ConnectionDirectory()
    private let counters = Mutex(SignalingCounters())
    /// The signaling counters of the engine serving this hub, resolved once.
    private let metricHandles = Mutex<(engine: ObjectIdentifier, handles: RegistryMetrics.Signaling)?>(nil)

    /// The resolved signaling counters of `services`' engine.
    func metrics(_ services: EngineServices) -> RegistryMetrics.Signaling {
        let engine = ObjectIdentifier(services.metrics)
        if let cached = metricHandles.withLock({ $0 }), cached.engine == engine { return cached.handles }
        let handles = RegistryMetrics.Signaling(services.metrics)
        metricHandles.withLock { $0 = (engine, handles) }
        return handles
    }

    /// What the hub has done so far.
    var statistics: SignalingCounters { counters.withLock { $0 } }

    /// Opens one socket: checks the device id, claims the device for the caller, registers the connection (replacing
    /// an older one of the same device), and returns the receiver of its messages; nil after closing it.
    func open(_ session: WebSocketSession) async throws -> (any WebSocketReceiver)? {
        let deviceId = session.parameters["deviceId"] ?? ""
        guard SignalingFrame.isValidDeviceId(deviceId) else {
            session.close(.policyViolation, reason: "Invalid device id")
            return nil
        }
        guard let user = session.user else {
            session.close(.policyViolation, reason: "Authentication required")
            return nil
        }
        let network: String?
        do {
            network = try await DeviceOwnership.claim(deviceId: deviceId, for: user, services: session.services, logger: session.logger)
        } catch let error as APIError where error.status == .forbidden {
            session.close(.policyViolation, reason: "Device belongs to another user")
            return nil
        }
        let logger = Self.logger(session, deviceId: deviceId)
        // Filled from the store on the first message, once the connection is registered: an announce from then on
        // updates it (the claim's answer could be overtaken by an announce before the registration).
        let membership = NetworkMembership()
        // Closures kept for the socket's lifetime make their logger when they log: a logger with metadata costs
        // hundreds of bytes per socket.
        let flush = QueueFlusher { [self] in
            await self.flushQueue(deviceId: deviceId, session: session, logger: Self.logger(session, deviceId: deviceId))
        }
        // The hooks capture the session (a reference), not a copy of its services: they live as long as the socket.
        var hooks = WebSocketSendBuffer.Hooks()
        hooks.sent = { [self] item in
            guard item.storable else { return }  // an error frame, not a relayed message
            self.counters.withLock { $0.delivered += 1 }
            self.metrics(session.services).delivered.increment()
        }
        hooks.unsent = { [self] items in
            // Accepted for this socket but never written: back to the offline queue, nothing lost.
            let documents = items.compactMap { $0.payload ?? ($0.storable ? SignalingFrame.stored(fromOutbound: $0.text) : nil) }
            guard !documents.isEmpty else { return }
            Task { await self.requeue(documents, for: deviceId, services: session.services, logger: Self.logger(session, deviceId: deviceId)) }
        }
        hooks.drained = { flush.yield() }  // the receiver caught up: send what was queued meanwhile
        session.sendBuffer.setHooks(hooks)
        let connection = ConnectionDirectory.Connection(
            connectionId: session.connectionId,
            sendBuffer: session.sendBuffer,
            flush: flush,
            network: membership,
            close: { code, reason in
                session.close(code, reason: reason, forceAfter: session.services.configuration.limits.webSocket.slowConsumerCloseTimeout)
            }
        )
        if let replaced = directory.register(deviceId, connection) {
            logger.info("replacing previous connection", metadata: ["previous": "\(replaced.connectionId)"])
            // Without waiting: the old socket may be a receiver that stopped reading. Its receiver ends when the
            // close handshake completes (or the connection is dropped after the close timeout).
            replaced.close(Self.replacedCloseCode, "replaced")
        }
        await clusterConnected(deviceId, connectionId: session.connectionId, services: session.services, logger: logger)
        // An open socket counts as presence, for a device announced in a network.
        if network != nil { try? await PresenceRefresher.refresh([deviceId], services: session.services) }
        logger.info("signaling connected", metadata: ["userId": "\(user.id)", "ip": "\(session.remoteAddress ?? "")"])
        flush.yield()  // deliver what was queued while the device was away
        return SignalingSocket(hub: self, deviceId: deviceId, membership: membership, flush: flush, services: session.services)
    }

    /// The logger of a device's socket: the session's, with the device id.
    static func logger(_ session: WebSocketSession, deviceId: String) -> Logger {
        var logger = session.logger
        logger[metadataKey: "deviceId"] = "\(deviceId)"
        return logger
    }

    /// The socket of `deviceId` closed.
    func closed(_ deviceId: String, session: WebSocketSession, flush: QueueFlusher) async {
        let logger = Self.logger(session, deviceId: deviceId)
        directory.remove(deviceId, connectionId: session.connectionId)
        flush.finish()
        await clusterDisconnected(deviceId, connectionId: session.connectionId, services: session.services, logger: logger)
        logger.info("signaling disconnected")
    }

    /// Counts a refused frame.
    func countRejection(services: EngineServices) {
        counters.withLock { $0.rejected += 1 }
        metrics(services).rejected.increment()
    }

    /// Sender and recipient must both be announced, in the same network. Connected devices' networks are
    /// remembered by their connections; the store is read only for a device whose network is not known here.
    func checkSameNetwork(sender: String, recipient: String, services: EngineServices) async throws {
        let senderMembership = directory.connection(for: sender)?.network
        let recipientMembership = directory.connection(for: recipient)?.network
        var senderNetwork = senderMembership?.current
        var recipientNetwork = recipientMembership?.current
        if senderNetwork == nil || recipientNetwork == nil {
            var unknown: [Value] = []
            if senderNetwork == nil { unknown.append(.string(sender)) }
            if recipientNetwork == nil { unknown.append(.string(recipient)) }
            let devices = try await services.collection(RegistryCollections.devices).find(
                ["deviceId": ["$in": .array(unknown)]],
                options: FindOptions(projection: ["deviceId": 1, "networkId": 1])
            )
            for device in devices {
                guard let deviceId = device["deviceId"]?.stringValue, let network = device["networkId"]?.stringValue else { continue }
                if deviceId == sender, senderNetwork == nil {
                    senderNetwork = network
                    senderMembership?.set(network)
                } else if deviceId == recipient, recipientNetwork == nil {
                    recipientNetwork = network
                    recipientMembership?.set(network)
                }
            }
        }
        guard let senderNetwork else {
            throw SignalingFrame.Rejection(
                code: "not_announced",
                message: "Announce this device in a network before signaling",
                countsAsInvalid: false
            )
        }
        guard let recipientNetwork, recipientNetwork == senderNetwork else {
            throw SignalingFrame.Rejection(code: "not_in_network", message: "Peer \(recipient) is not in your network")
        }
    }

    /// A device was announced in `networkId`: its connection (here, or on another instance) remembers it.
    func deviceAnnounced(_ deviceId: String, in networkId: String, services: EngineServices) async {
        if let connection = directory.connection(for: deviceId) {
            connection.network.set(networkId)
        } else {
            await tellOtherInstance(deviceId, networkId: networkId, services: services)
        }
    }

    // MARK: Delivering

    /// Delivers live when the recipient is connected here and keeping up, hands the message to the recipient's
    /// instance when it is connected to another one, and otherwise queues it. Never waits for the recipient: a
    /// live message is offered to its bounded send buffer. A recipient whose buffer stays full gets its messages
    /// queued and, past `websocket.slowConsumerOverflow` of them, its socket closed with 1013 so it reconnects
    /// and receives the queue.
    func deliver(_ stored: Document, to recipient: String, services: EngineServices, cap: Int, logger: Logger) async throws {
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
        offerLive(
            .init(text: SignalingFrame.outbound(stored), payload: stored),
            from: stored["from"]?.stringValue ?? "",
            to: recipient,
            connection: connection,
            services: services,
            logger: logger
        )
    }

    /// Offers a frame to a connected recipient's send buffer (see the overload taking the stored message).
    func offerLive(
        _ item: WebSocketSendBuffer.Item,
        from sender: String,
        to recipient: String,
        connection: ConnectionDirectory.Connection,
        services: EngineServices,
        logger: Logger
    ) -> Bool {
        let limits = services.configuration.limits.webSocket
        switch connection.sendBuffer.offer(item, limits: limits) {
        case .accepted:
            logger.debug("message relayed", metadata: ["from": "\(sender)", "to": "\(recipient)"])
            return true
        case .overflow(let count):
            counters.withLock { $0.diverted += 1 }
            metrics(services).diverted.increment()
            if count == limits.slowConsumerOverflow + 1 {
                counters.withLock { $0.slowConsumerCloses += 1 }
                metrics(services).slowConsumerCloses.increment()
                logger.notice("closing slow consumer", metadata: ["from": "\(sender)", "to": "\(recipient)", "diverted": "\(count)"])
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
        metrics(services).queued.increment()
        logger.debug("message queued", metadata: ["to": "\(recipient)", "type": "\(stored["type"]?.stringValue ?? "")"])
        if dropped > 0 {
            metrics(services).dropped.increment(by: dropped)
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
