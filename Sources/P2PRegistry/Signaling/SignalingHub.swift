import DocumentStore
import Foundation
import Logging
import ServerConfig
import ServerEngine
import Synchronization

/// The signaling WebSocket: relays WebRTC offers, answers and ICE candidates between devices of a network,
/// live when the recipient is connected to this process, else through the offline queue.
///
/// Fixes over the spec's sample code: the sender is the socket's own device; sender and recipient must share
/// a network; only the device's owner may connect as it (a device nobody has announced is served without being
/// claimed, to one user at a time, and its socket is closed if another user announces it); the token's `networks`
/// claim must grant the device's network, now and after every announce; a message is
/// delivered live or queued, never both; a bad frame gets an error frame and the socket stays usable; one
/// socket per device (a new connection replaces the old, which is closed with 4000 "replaced").
final class SignalingHub: Sendable {
    /// Close code sent to a socket replaced by a newer connection of the same device.
    static let replacedCloseCode = WebSocketCloseCode(4000)
    /// Close code sent to a receiver that fell too far behind: reconnect and receive the offline queue.
    static let tryAgainLaterCloseCode = WebSocketCloseCode.tryAgainLater

    let directory = ConnectionDirectory()
    /// Presence push: the subscribers on this instance and the changes to send them.
    let presence = PresenceFeed()
    let counters = Mutex(SignalingCounters())
    /// Messages of closed sockets on their way back into the queue (waited for when this instance leaves the cluster).
    let pendingRequeues = PendingRequeues()
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
        let deviceId = session.parameter("deviceId") ?? ""
        guard SignalingFrame.isValidDeviceId(deviceId) else {
            session.close(.policyViolation, reason: "Invalid device id")
            return nil
        }
        guard let user = session.user else {
            session.close(.policyViolation, reason: "Authentication required")
            return nil
        }
        let standing: DeviceOwnership.Standing
        do {
            standing = try await DeviceOwnership.check(deviceId: deviceId, for: user, services: session.services, logger: session.logger)
        } catch let error as APIError where error.responseStatus == .forbidden {
            session.close(.policyViolation, reason: "Device belongs to another user")
            return nil
        }
        let logger = Self.logger(session, deviceId: deviceId)
        // Filled from the store on the first message, once the connection is registered: an announce from then on
        // updates it (the claim's answer could be overtaken by an announce before the registration).
        let membership = NetworkMembership()
        // Closures kept for the socket's lifetime make their logger when they log: a logger with metadata costs
        // hundreds of bytes per socket.
        let flush = QueueFlusher { [self] flush in
            await self.flushQueue(deviceId: deviceId, session: session, flush: flush, logger: Self.logger(session, deviceId: deviceId))
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
            self.pendingRequeues.begin()
            Task {
                await self.requeue(documents, for: deviceId, services: session.services, logger: Self.logger(session, deviceId: deviceId))
                self.pendingRequeues.end()
            }
        }
        hooks.drained = { flush.yield() }  // the receiver caught up: send what was queued meanwhile
        session.sendBuffer.setHooks(hooks)
        let connection = ConnectionDirectory.Connection(
            connectionId: session.connectionId,
            user: user,
            sendBuffer: session.sendBuffer,
            flush: flush,
            network: membership,
            close: { code, reason in
                session.close(code, reason: reason, forceAfter: session.services.configuration.limits.webSocket.slowConsumerCloseTimeout)
            }
        )
        switch directory.register(deviceId, connection) {
        case .added:
            break
        case .replaced(let replaced):
            logger.info("replacing previous connection", metadata: ["previous": "\(replaced.connectionId)"])
            // Without waiting: the old socket may be a receiver that stopped reading. Its receiver ends when the
            // close handshake completes (or the connection is dropped after the close timeout).
            replaced.close(Self.replacedCloseCode, "replaced")
        case .inUse:
            logger.notice("refused: another user's socket serves this unannounced device", metadata: ["userId": "\(user.id)"])
            flush.finish()
            session.close(.policyViolation, reason: "Device is in use by another user")
            return nil
        }
        await clusterConnected(deviceId, connectionId: session.connectionId, flush: flush, services: session.services, logger: logger)
        // An open socket counts as presence, for a device announced in a network (and not left: only an announce
        // brings back a device that left).
        if case .owned(let network?) = standing {
            try? await PresenceRefresher.refresh([deviceId], services: session.services)
            presence.changed(deviceId, in: network)
        }
        logger.info("signaling connected", metadata: ["userId": "\(user.id)", "ip": "\(session.remoteAddress ?? "")"])
        // Deliver what was queued while the device was away, before the socket's first frame is read: a client told it
        // is connected (`session_welcome`) finds its backlog sent and its next messages relayed live.
        flush.yield()
        await flush.idle()
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
        presence.unsubscribe(deviceId, connectionId: session.connectionId)
        flush.finish()
        // On shutdown the route stays: the device's next instance finds where it was and takes over what senders still
        // hand to this instance (the take-over of a departed instance drops the route otherwise).
        if !session.serverIsShuttingDown {
            await clusterDisconnected(deviceId, connectionId: session.connectionId, services: session.services, logger: logger)
        }
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
        let senderConnection = directory.connection(for: sender)
        let recipientConnection = directory.connection(for: recipient)
        var senderNetwork = senderConnection?.network.current
        var recipientNetwork = recipientConnection?.network.current
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
                    if let senderConnection, !remember(network, on: senderConnection) {
                        throw SignalingFrame.Rejection(
                            code: "network_forbidden",
                            message: "Token does not grant access to network \(network)",
                            countsAsInvalid: false
                        )
                    }
                } else if deviceId == recipient, recipientNetwork == nil {
                    recipientNetwork = network
                    // A recipient whose token does not grant its network is closed; the message is queued for it.
                    if let recipientConnection { remember(network, on: recipientConnection) }
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
            throw SignalingFrame.Rejection.notInNetwork(recipient)
        }
    }

    /// Remembers a connected device's network, unless the token it connected with does not grant that network: then
    /// its socket is closed with 1008 and false returned.
    @discardableResult
    func remember(_ network: String, on connection: ConnectionDirectory.Connection) -> Bool {
        guard connection.user.mayAccess(network: network) else {
            connection.network.set(nil)
            connection.close(.policyViolation, "Token does not grant access to network \(network)")
            return false
        }
        connection.network.set(network)
        return true
    }

    /// `userId` announced `deviceId` in `networkId`: its connection (here, or on another instance) remembers it; a
    /// socket another user opened on the device before it was announced is closed.
    func deviceAnnounced(_ deviceId: String, in networkId: String, by userId: String, services: EngineServices) async {
        if let connection = directory.connection(for: deviceId) {
            announced(deviceId, in: networkId, by: userId, on: connection, services: services)
        } else {
            await tellOtherInstance(deviceId, networkId: networkId, userId: userId, services: services)
        }
    }

    /// Applies an announce to the device's connection here; a presence subscription follows the device to its new
    /// network.
    func announced(
        _ deviceId: String,
        in networkId: String,
        by userId: String,
        on connection: ConnectionDirectory.Connection,
        services: EngineServices
    ) {
        guard connection.user.id == userId else {
            connection.network.set(nil)
            connection.close(.policyViolation, "Device belongs to another user")
            return
        }
        guard remember(networkId, on: connection) else { return }
        if let subscribed = presence.subscription(of: deviceId), subscribed != networkId {
            followPresence(deviceId, to: networkId, connection: connection, services: services)
        }
    }

    // MARK: Delivering

    /// Delivers live when the recipient is connected here and keeping up, hands the message to the recipient's
    /// instance when it is connected to another one, and otherwise queues it. Never waits for the recipient: a
    /// live message is offered to its bounded send buffer. A recipient whose buffer stays full gets its messages
    /// queued and, past `websocket.slowConsumerOverflow` of them, its socket closed with 1013 so it reconnects
    /// and receives the queue.
    ///
    /// Returns where it went: nil when forwarded to another instance (which sends the receipt `receipt` asks for).
    @discardableResult
    func deliver(
        _ stored: Document,
        to recipient: String,
        services: EngineServices,
        cap: Int,
        logger: Logger,
        receipt: DeliveryReceipt.Request? = nil
    ) async throws -> DeliveryReceipt.Delivery? {
        if let connection = directory.connection(for: recipient) {
            if offerLive(stored, to: recipient, connection: connection, services: services, logger: logger) { return .live }
        } else if try await forwardToOtherInstance(stored, to: recipient, services: services, logger: logger, receipt: receipt) {
            return nil
        }
        try await enqueue(stored, to: recipient, services: services, cap: cap, logger: logger)
        return .queued
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

    /// Offers a frame to a connected recipient's send buffer (see the overload taking the stored message). False,
    /// too, while the recipient has a backlog in the queue: the message is queued behind it, never ahead.
    func offerLive(
        _ item: WebSocketSendBuffer.Item,
        from sender: String,
        to recipient: String,
        connection: ConnectionDirectory.Connection,
        services: EngineServices,
        logger: Logger
    ) -> Bool {
        let limits = services.configuration.limits.webSocket
        if case .held(let diversions) = connection.flush.holdsLive() {
            // Behind a slow receiver's backlog, it counts as diverted like an overflow.
            if let diversions { diverted(diversions, from: sender, to: recipient, connection: connection, services: services, logger: logger) }
            return false
        }
        switch connection.sendBuffer.offer(item, limits: limits) {
        case .accepted:
            logger.debug("message relayed", metadata: ["from": "\(sender)", "to": "\(recipient)"])
            return true
        case .overflow:
            diverted(connection.flush.diverted(), from: sender, to: recipient, connection: connection, services: services, logger: logger)
            return false
        case .closed:
            return false
        }
    }

    /// Counts a message diverted from a receiver that is not keeping up; past `websocket.slowConsumerOverflow` of them
    /// its socket is closed with 1013 (it reconnects and receives the queue).
    private func diverted(
        _ count: Int,
        from sender: String,
        to recipient: String,
        connection: ConnectionDirectory.Connection,
        services: EngineServices,
        logger: Logger
    ) {
        let limits = services.configuration.limits.webSocket
        counters.withLock { $0.diverted += 1 }
        metrics(services).diverted.increment()
        guard count == limits.slowConsumerOverflow + 1 else { return }
        counters.withLock { $0.slowConsumerCloses += 1 }
        metrics(services).slowConsumerCloses.increment()
        logger.notice("closing slow consumer", metadata: ["from": "\(sender)", "to": "\(recipient)", "diverted": "\(count)"])
        connection.close(Self.tryAgainLaterCloseCode, "Try again later: receiving too slowly")
    }
}
