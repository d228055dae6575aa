import DocumentStore
import Foundation
import Logging
import ServerConfig
import ServiceLifecycle

/// Runs the cluster bus of one instance: heartbeats, the inbox reader, and the take-over of instances
/// that are gone. On graceful shutdown it removes this instance's registration, so senders queue once they re-read
/// it, and hands what is left in its inbox to the orphan handler; its routes are dropped by the next take-over.
///
/// Transport: on a replica set (MongoDB change streams) each insert into this instance's inbox wakes the
/// reader at once, with a poll every second as a safety net; elsewhere (a standalone server, mongoeco, the
/// embedded engine) the inbox is read every `cluster.inboxPollInterval`. Either way the reader takes items in
/// sending order (`at`, then `_id`) and claims each by deleting it, so both paths hand each item over exactly once.
///
/// Heartbeats and polls wait on the engine's clock (`services.clock`), so tests move them by hand.
public struct ClusterService: Service {
    private let bus: ClusterBus
    private let services: EngineServices

    /// Creates the service of `services.cluster`.
    public init(services: EngineServices) {
        self.bus = services.cluster
        self.services = services
    }

    /// How old this instance's last heartbeat may be before it stops reading its inbox (``readInbox()``): one heartbeat
    /// interval short of `cluster.instanceTimeout`, and at least half of it.
    var fenceAge: Duration {
        let config = services.configuration.cluster
        return max(config.instanceTimeout - config.heartbeatInterval, config.instanceTimeout / 2)
    }

    public func run() async throws {
        guard bus.isEnabled else {
            try? await gracefulShutdown()
            return
        }
        let config = services.configuration.cluster
        let watching = services.store as? any InsertWatchingStore
        let useChangeStream = await watching?.supportsChangeStreams() ?? false
        services.logger.info(
            "cluster routing on",
            metadata: [
                "instance": "\(bus.instanceId)",
                "transport":
                    "\(useChangeStream ? "change stream on instance_inbox, with a 1s safety poll" : "inbox polling (the store has no change streams)")",
                "inboxPollInterval": "\(DurationParser.format(config.inboxPollInterval))",
                "heartbeatInterval": "\(DurationParser.format(config.heartbeatInterval))",
                "instanceTimeout": "\(DurationParser.format(config.instanceTimeout))",
            ]
        )
        await beat(first: true)
        // One reader, woken by the poll timer and by change events, so items are handled in the order they were sent.
        let (wakeUps, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        await withDiscardingTaskGroup { group in
            group.addTask {
                while await services.clock.sleepUnlessShuttingDown(for: services.configuration.cluster.heartbeatInterval) {
                    await beat(first: false)
                }
                wake.finish()
            }
            // Apart from the heartbeats: a take-over reads and writes much more, and a heartbeat waiting behind it on a
            // slow store would be late, which makes others take this instance for gone (and it pause its inbox).
            group.addTask {
                while await services.clock.sleepUnlessShuttingDown(for: services.configuration.cluster.heartbeatInterval) {
                    await takeOverGoneInstances()
                }
            }
            group.addTask {
                let poll = {
                    useChangeStream
                        ? max(.seconds(1), services.configuration.cluster.inboxPollInterval) : services.configuration.cluster.inboxPollInterval
                }
                while await services.clock.sleepUnlessShuttingDown(for: poll()) { wake.yield() }
                wake.finish()
            }
            if useChangeStream, let watching {
                group.addTask { await watchInbox(watching, wake: wake) }
            }
            group.addTask {
                for await _ in wakeUps { await readInbox() }
            }
        }
        await leave()
    }

    /// Wakes the reader on every insert into this instance's inbox; reopens the stream after an error.
    private func watchInbox(_ store: any InsertWatchingStore, wake: AsyncStream<Void>.Continuation) async {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown {
                    for try await _ in store.watchInserts(into: ClusterBus.inboxCollection, matching: ["instance": .string(bus.instanceId)]) {
                        wake.yield()
                    }
                }
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                services.logger.warning("inbox change stream failed; polling until it reopens", metadata: ["error": "\(error)"])
            }
            guard await services.clock.sleepUnlessShuttingDown(for: .seconds(1)) else { return }
        }
    }

    // MARK: Heartbeat

    /// Writes this instance's heartbeat and refreshes the set of live instances.
    private func beat(first: Bool) async {
        let timeout = services.configuration.cluster.instanceTimeout
        do {
            let inserted = try await bus.writeHeartbeat()
            let now = services.clock.now()
            // A leaving instance is handing over what it holds: nothing is forwarded to it any more.
            let alive = try await bus.instances.find(
                ["heartbeatAt": ["$gte": .date(now.addingTimeInterval(-timeout.seconds))], "leaving": ["$ne": true]],
                options: FindOptions(projection: ["_id": 1])
            )
            bus.setLive(Set(alive.compactMap { $0["_id"]?.stringValue }).union([bus.instanceId]), instanceTimeout: timeout)
            if !first, inserted {
                services.logger.warning(
                    "this instance had been taken for gone; claiming its connections again",
                    metadata: ["instance": "\(bus.instanceId)"]
                )
                await bus.rejoinHandler?()
            }
        } catch {
            services.logger.warning("cluster heartbeat failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Inbox

    /// Hands every item in this instance's inbox to the receiver, oldest first.
    ///
    /// Fencing: while this instance's own last heartbeat is older than ``fenceAge`` (its heartbeats are late: an
    /// overloaded machine, a slow store), other instances may take it for gone and take its inbox over at any moment.
    /// It then leaves its inbox alone until a heartbeat lands again. Otherwise one sender's messages could be split
    /// between two readers, this one delivering some live while the take-over queues earlier ones, out of order.
    private func readInbox() async {
        guard bus.heartbeatIsYounger(than: fenceAge) else {
            if !bus.setInboxPaused(true) {
                services.logger.notice(
                    "inbox reading paused: this instance's heartbeats are late, and other instances may take it for gone",
                    metadata: ["fenceAge": "\(DurationParser.format(fenceAge))"]
                )
            }
            return
        }
        if bus.setInboxPaused(false) { services.logger.notice("inbox reading resumed: heartbeats land again") }
        do {
            while true {
                let items = try await bus.take(from: bus.instanceId, limit: 256)
                guard !items.isEmpty else { return }
                let receiver = bus.receiver
                for item in items { await receiver?(item) }
                if items.count < 256 { return }
            }
        } catch {
            services.logger.warning("cluster inbox read failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Take-over

    /// Instances silent past the timeout: their routes are dropped and their inbox goes to the orphan handler.
    /// Also inboxes of instances with no registration at all (one that left while a sender still saw it alive).
    private func takeOverGoneInstances() async {
        let now = services.clock.now()
        let timeout = services.configuration.cluster.instanceTimeout
        do {
            let silent = try await bus.instances.find(
                ["heartbeatAt": ["$lt": .date(now.addingTimeInterval(-timeout.seconds))]],
                options: FindOptions(projection: ["_id": 1])
            )
            var gone = Set(silent.compactMap { $0["_id"]?.stringValue })
            let addressed = try await bus.inbox.distinct("instance", filter: [:]).compactMap(\.stringValue)
            // Routes of an instance that left (it keeps them, see `leave`) or died are dropped here too.
            let routed = try await bus.routes.distinct("instance", filter: [:]).compactMap(\.stringValue)
            for instance in Set(addressed + routed) where !bus.isLive(instance) {
                // One that started after this heartbeat's read is alive: read its own heartbeat before taking its inbox.
                if try await !bus.isLiveNow(instance) { gone.insert(instance) }
            }
            gone.remove(bus.instanceId)
            for instance in gone.sorted() {
                let routes = try await bus.routes.deleteMany(["instance": .string(instance)])
                let orphans = try await takeAll(from: instance)
                _ = try await bus.instances.deleteOne([
                    "_id": .string(instance), "heartbeatAt": ["$lt": .date(now.addingTimeInterval(-timeout.seconds))],
                ])
                if routes > 0 || orphans > 0 {
                    services.logger.notice(
                        "took over from an instance that is gone",
                        metadata: ["gone": "\(instance)", "routesDropped": "\(routes)", "inboxItems": "\(orphans)"]
                    )
                }
            }
        } catch {
            services.logger.warning("cluster take-over failed", metadata: ["error": "\(error)"])
        }
    }

    /// Hands every item of `instance`'s inbox to the orphan handler; returns how many.
    private func takeAll(from instance: String) async throws -> Int {
        var count = 0
        while true {
            let items = try await bus.take(from: instance, limit: 256)
            guard !items.isEmpty else { return count }
            let handler = bus.orphanHandler
            for item in items { await handler?(item) }
            count += items.count
        }
    }

    // MARK: Leaving

    /// Graceful shutdown: what the application and the inbox still hold goes to the queue, then the registration goes.
    /// The instance has been marked leaving since the shutdown began (``ClusterLeavingService``): senders stopped
    /// forwarding here, and devices that moved to another instance wait there until the registration is gone.
    private func leave() async {
        do {
            // The routes stay until another instance's take-over: a device that reconnects elsewhere finds where it
            // was, and takes over what senders still hand to this inbox meanwhile (in order with what comes next).
            let routes = try await bus.routes.count(["instance": .string(bus.instanceId), "connectionId": ["$ne": ""]])
            await bus.leaveHandler?()
            var orphans = try await takeAll(from: bus.instanceId)
            _ = try await bus.instances.deleteOne(["_id": .string(bus.instanceId)])
            // A sender that read the registration just before it was marked leaving may still have forwarded here.
            orphans += try await takeAll(from: bus.instanceId)
            services.logger.info("left the cluster", metadata: ["routesLeft": "\(routes)", "inboxItemsQueued": "\(orphans)"])
        } catch {
            services.logger.warning("leaving the cluster failed; other instances take over after the timeout", metadata: ["error": "\(error)"])
        }
    }
}
