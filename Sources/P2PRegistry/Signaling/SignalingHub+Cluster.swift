import DocumentStore
import Foundation
import Logging
import ServerConfig
import ServerEngine

/// The hub across instances (``ClusterBus``): a connected device's route is kept in the store, a message for a
/// device connected to another instance goes to that instance, which delivers it live or queues it.
///
/// Exactly once: the sender hands the message either to the recipient's instance (through its inbox) or to
/// the queue, never both; the receiving instance claims each inbox item once and delivers it live or queues
/// it; items of an instance that is gone are queued by the instance that takes over. Items received from
/// another instance are never forwarded again, so a stale route cannot bounce a message around.
extension SignalingHub {
    /// Kinds of cluster items.
    enum ClusterKind {
        /// A signaling message (`body` is the stored message) for the device `key`.
        static let message = "message"
        /// Close the device's connection `connectionId`: it connected on another instance.
        static let replace = "replace"
        /// Flush the device's queue: a message was queued for it while it is connected there.
        static let flush = "flush"
        /// The device was announced in the network `body.networkId` by `body.userId`: its connection there remembers it
        /// (or is closed, when its token does not grant that network or another user opened it).
        static let network = "network"
    }

    /// Installs the hub's handlers on the cluster bus, then waits until cancelled (a background task).
    func serveCluster(services: EngineServices) async throws {
        let bus = services.cluster
        guard bus.isEnabled else { return }
        var logger = services.logger
        logger[metadataKey: "instance"] = "\(bus.instanceId)"
        let log = logger
        bus.onReceive { [self] item in await self.receive(item, services: services, logger: log) }
        bus.onOrphan { [self] item in
            guard item.kind == ClusterKind.message else { return }
            // No receipt: the sender's instance handed it to one that died (the sender may send it again).
            await self.queue(DeliveryReceipt.detach(from: item.body).stored, to: item.key, services: services, logger: log)
        }
        // Leaving on graceful shutdown: what the closed sockets never wrote is stored before the hand-over.
        bus.onLeave { [self] in await self.pendingRequeues.wait() }
        bus.onRejoin { [self] in
            // What changed on the other instances while they took this one for gone was not sent here: the presence
            // subscribers get it from a read of their networks, now and once the others have seen this instance
            // again (their next heartbeat; changes they batched before it are in the store by then).
            self.presence.resync()
            Task {
                try? await services.clock.sleep(for: services.configuration.cluster.heartbeatInterval * 2)
                self.presence.resync()
            }
            for deviceId in self.directory.deviceIds {
                guard let connection = self.directory.connection(for: deviceId) else { continue }
                // Senders queued for the device while its route was gone; once it is claimed they forward here again.
                // Live delivery waits from before the claim until a flush after it: nothing new overtakes the queue.
                connection.flush.settle()
                let claim = try? await bus.claim(deviceId, connectionId: "\(connection.connectionId)")
                if let from = claim?.movedFrom {
                    self.settleMove(deviceId, from: from, flush: connection.flush, services: services, logger: log)
                }
                connection.flush.settled()
            }
        }
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
    }

    /// Records the device's route; a connection of the same device on another live instance is told to close. A
    /// device that moved from another instance first takes what that instance's inbox still holds for it (see
    /// ``settleMove(_:from:flush:services:logger:)``).
    func clusterConnected(_ deviceId: String, connectionId: UInt64, flush: QueueFlusher, services: EngineServices, logger: Logger) async {
        let bus = services.cluster
        guard bus.isEnabled else { return }
        // From before the claim until it is answered: a sender that finds the new route at once forwards here, and a
        // flush meanwhile must not send that ahead of what the device's previous instance still holds.
        flush.settle()
        defer { flush.settled() }
        do {
            let claim = try await bus.claim(deviceId, connectionId: "\(connectionId)")
            if let previous = claim.replaces {
                logger.info("replacing the connection on another instance", metadata: ["previousInstance": "\(previous.instance)"])
                try await bus.send(ClusterKind.replace, to: previous, key: deviceId, body: [:])
            }
            if let from = claim.movedFrom { settleMove(deviceId, from: from, flush: flush, services: services, logger: logger) }
        } catch {
            logger.warning("cannot record the device's route; messages from other instances are queued for it", metadata: ["error": "\(error)"])
        }
    }

    /// Keeps order when a device moves between instances: senders may go on handing its messages to the old
    /// instance's inbox until their route cache expires (``ClusterBus/routeCacheLifetime``), and an old instance that
    /// died leaves them there until the take-over. For that long (plus an inbox poll, for as long as each take finds
    /// more, since a busy store lands writes late, and while the old instance is leaving and handing over) this instance
    /// takes them over and queues them; the device's live messages are queued too, and nothing is flushed meanwhile.
    /// Then its queue is flushed, in the senders' order (the queue sorts by the timestamp each message got from its
    /// sender's instance), whichever path a message took.
    func settleMove(_ deviceId: String, from instance: String, flush: QueueFlusher, services: EngineServices, logger: Logger) {
        flush.settle()
        let poll = services.configuration.cluster.inboxPollInterval
        let clock = services.clock
        let until = clock.now().addingTimeInterval((ClusterBus.routeCacheLifetime + poll + .milliseconds(250)).seconds)
        // However busy the store: after this, what is left there goes to the queue with the old instance's take-over.
        let latest = clock.now().addingTimeInterval(ClusterBus.releasedRouteRelevance.seconds)
        let heartbeat = services.configuration.cluster.heartbeatInterval
        Task { [self] in
            var taken = 0
            var pause = poll
            while true {
                var last = clock.now() >= until
                do {
                    // Messages only: a `replace` there is for the old socket, and the rest is stale for this one.
                    let items = try await services.cluster.takeItems(ClusterKind.message, for: deviceId, from: instance)
                    taken += items.count
                    await queueMoved(items, for: deviceId, services: services, logger: logger)
                    // More may be on their way while the writes still land: one more poll after the last one found.
                    // And an instance that is leaving is still handing over what it holds (its inbox, what its closed
                    // sockets never wrote): older than anything here, so wait until it is gone.
                    if clock.now() < latest {
                        if !items.isEmpty {
                            last = false
                            pause = poll
                        } else if last, try await services.cluster.isLeaving(instance) {
                            // Only the hand-over is left to wait for: checked once a heartbeat, not once a poll (every
                            // device that moved away from a stopping instance waits so, and a busy store must not
                            // get busier for it).
                            last = false
                            pause = heartbeat
                        }
                    }
                } catch {
                    logger.warning("cannot take the device's items from its previous instance", metadata: ["error": "\(error)"])
                }
                if last { break }
                try? await clock.sleep(for: pause)
            }
            if taken > 0 {
                logger.info("took the device's items from its previous instance", metadata: ["from": "\(instance)", "count": "\(taken)"])
            }
            flush.settled()
        }
    }

    /// Queues the messages a move took from the old instance's inbox, all at once (one store write per sender: nothing
    /// can go out live before the move settles anyway), and sends the receipts their senders asked for.
    private func queueMoved(_ items: [ClusterMessage], for deviceId: String, services: EngineServices, logger: Logger) async {
        guard !items.isEmpty else { return }
        let detached = items.map { (message: DeliveryReceipt.detach(from: $0.body), from: $0.from) }
        guard await requeue(detached.map(\.message.stored), for: deviceId, services: services, logger: logger, moved: true) else { return }
        for (message, from) in detached {
            await sendReceipt(message.request, .queued, for: message.stored, to: from, services: services)
        }
    }

    /// Removes the device's route if it is still this connection's.
    func clusterDisconnected(_ deviceId: String, connectionId: UInt64, services: EngineServices, logger: Logger) async {
        guard services.cluster.isEnabled else { return }
        do {
            try await services.cluster.release(deviceId, connectionId: "\(connectionId)")
        } catch {
            logger.warning("cannot remove the device's route; it goes when this instance's registration expires", metadata: ["error": "\(error)"])
        }
    }

    /// Sends `stored` to the instance the recipient is connected to, with the sender's `receipt` request; false when it is
    /// not connected to another live instance.
    func forwardToOtherInstance(
        _ stored: Document,
        to recipient: String,
        services: EngineServices,
        logger: Logger,
        receipt: DeliveryReceipt.Request? = nil
    ) async throws -> Bool {
        let body = DeliveryReceipt.attach(receipt, to: stored)
        guard services.cluster.isEnabled, try await services.cluster.forward(ClusterKind.message, key: recipient, body: body) else { return false }
        metrics(services).forwarded.increment()
        logger.debug("message forwarded to the recipient's instance", metadata: ["to": "\(recipient)"])
        return true
    }

    /// After queueing for a device connected to another instance, asks that instance to flush its queue: sent
    /// whenever the device has a route to another instance, and retried while the store refuses the write. With the
    /// connect-time flush (an instance claims a device's route before it flushes its queue, and a sender queues before
    /// it reads the route), a queued message never waits while its recipient is connected: it goes out within
    /// `cluster.inboxPollInterval`.
    ///
    /// Sent even when that instance looks gone: a sender queues when it takes the recipient's instance for gone, and
    /// if that instance is alive after all (its heartbeats were late) the request, ahead of anything forwarded to it
    /// later, makes it hold its live messages behind the queue. A gone instance's requests go with its inbox.
    func nudgeOtherInstance(_ recipient: String, services: EngineServices) async {
        guard services.cluster.isEnabled else { return }
        for attempt in 1...3 {
            do {
                guard let route = try await services.cluster.routeElsewhere(recipient) else { return }
                try await services.cluster.send(ClusterKind.flush, to: route, key: recipient, body: [:])
                return
            } catch {
                guard attempt < 3 else {
                    services.logger.warning("cannot ask the recipient's instance to flush", metadata: ["to": "\(recipient)", "error": "\(error)"])
                    return
                }
                try? await services.clock.sleep(for: services.configuration.cluster.inboxPollInterval)
            }
        }
    }

    /// Tells the instance a device is connected to (if another one) the network it was just announced in.
    func tellOtherInstance(_ deviceId: String, networkId: String, userId: String, services: EngineServices) async {
        guard services.cluster.isEnabled, let route = try? await services.cluster.remoteRoute(deviceId, fresh: true) else { return }
        let body: Document = ["networkId": .string(networkId), "userId": .string(userId)]
        try? await services.cluster.send(ClusterKind.network, to: route, key: deviceId, body: body)
    }

    /// An item from another instance.
    func receive(_ item: ClusterMessage, services: EngineServices, logger: Logger) async {
        switch item.kind {
        case ClusterKind.message:
            let (stored, receipt) = DeliveryReceipt.detach(from: item.body)
            if let connection = directory.connection(for: item.key),
                offerLive(stored, to: item.key, connection: connection, services: services, logger: logger)
            {
                await sendReceipt(receipt, .live, for: stored, to: item.from, services: services)
                return
            }
            if await queue(stored, to: item.key, services: services, logger: logger) {
                await sendReceipt(receipt, .queued, for: stored, to: item.from, services: services)
            }
        case DeliveryReceipt.clusterKind:
            if let connection = directory.connection(for: item.key), "\(connection.connectionId)" == item.connectionId,
                let id = item.body["id"]?.stringValue, let delivery = item.body["delivery"]?.stringValue.flatMap(DeliveryReceipt.Delivery.init),
                let at = item.body["at"]?.dateValue
            {
                _ = connection.sendBuffer.offer(
                    .init(text: DeliveryReceipt.frame(id: id, delivery: delivery, at: at)),
                    limits: services.configuration.limits.webSocket
                )
            }
        case PresenceFeed.clusterKind:
            presence.received(item)
        case ClusterKind.replace:
            guard let connection = directory.connection(for: item.key), "\(connection.connectionId)" == item.connectionId else { return }
            logger.info("connection replaced by one on another instance", metadata: ["deviceId": "\(item.key)", "by": "\(item.from)"])
            connection.close(Self.replacedCloseCode, "replaced")
        case ClusterKind.flush:
            // Queued elsewhere: live messages that come after it (through the inbox, in order) queue behind it.
            directory.connection(for: item.key)?.flush.backlogSignalled()
        case ClusterKind.network:
            if let networkId = item.body["networkId"]?.stringValue, let userId = item.body["userId"]?.stringValue,
                let connection = directory.connection(for: item.key)
            {
                announced(item.key, in: networkId, by: userId, on: connection, services: services)
            }
        default:
            logger.warning("unknown cluster item", metadata: ["kind": "\(item.kind)", "from": "\(item.from)"])
        }
    }

    /// Queues a message that came from another instance (or from an instance that is gone); false if it could not.
    @discardableResult
    private func queue(_ stored: Document, to recipient: String, services: EngineServices, logger: Logger) async -> Bool {
        do {
            try await enqueue(stored, to: recipient, services: services, cap: SignalingSettings(services).queueCap, logger: logger)
            return true
        } catch {
            logger.error("cannot queue a message from another instance", metadata: ["to": "\(recipient)", "error": "\(error)"])
            return false
        }
    }

    /// Sends the receipt a forwarded message asked for back to its sender's instance.
    private func sendReceipt(
        _ request: DeliveryReceipt.Request?,
        _ delivery: DeliveryReceipt.Delivery,
        for stored: Document,
        to instance: String,
        services: EngineServices
    ) async {
        guard let request, let sender = stored["from"]?.stringValue else { return }
        let body: Document = ["id": .string(request.id), "delivery": .string(delivery.rawValue), "at": .date(services.clock.now())]
        do {
            try await services.cluster.send(
                DeliveryReceipt.clusterKind,
                to: ClusterRoute(instance: instance, connectionId: request.connectionId),
                key: sender,
                body: body
            )
        } catch {
            services.logger.warning("cannot send a delivery receipt to the sender's instance", metadata: ["error": "\(error)"])
        }
    }
}
