import DocumentStore
import Foundation
import Logging
import ServerConfig
import ServiceLifecycle

/// Runs the cluster bus of one instance: heartbeats, the inbox reader, and the take-over of instances
/// that are gone. On graceful shutdown it removes this instance's registration, so senders queue once they re-read
/// it, and hands what is left in its inbox to the orphan handler; its routes are released by the next take-over.
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
                var watch = TakeOverWatch()
                while await services.clock.sleepUnlessShuttingDown(for: services.configuration.cluster.heartbeatInterval) {
                    await takeOverGoneInstances(&watch)
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

    /// How long one read of the inbox (a take and the handling of what it took) may last before it is logged.
    static let slowInboxRead: Duration = .seconds(1)

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
                let clock = ContinuousClock()
                let started = clock.now
                let items = try await bus.take(from: bus.instanceId, limit: 256)
                guard !items.isEmpty else { return }
                let took = started.duration(to: clock.now)
                let receiver = bus.receiver
                var slowest: (kind: String, duration: Duration) = ("", .zero)
                for item in items {
                    let handling = clock.now
                    await receiver?(item)
                    let duration = handling.duration(to: clock.now)
                    if duration > slowest.duration { slowest = (item.kind, duration) }
                }
                // Everything behind the read waits for it: a slow store, or a slow handler, delays every instance's items.
                if started.duration(to: clock.now) > Self.slowInboxRead {
                    services.logger.warning(
                        "inbox read slow: items from other instances waited",
                        metadata: [
                            "items": "\(items.count)", "takeMs": "\(took.roundedMilliseconds)",
                            "slowestKind": "\(slowest.kind)", "slowestMs": "\(slowest.duration.roundedMilliseconds)",
                        ]
                    )
                }
                if items.count < 256 { return }
            }
        } catch {
            services.logger.warning("cluster inbox read failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Take-over

    /// What the take-over remembers between heartbeats.
    struct TakeOverWatch {
        /// The registrations the last look found.
        var registered: Set<String> = []
        /// Instances whose registration went (left, or removed by a take-over), until when their inbox and routes are
        /// still looked at: a sender that saw one alive just before may have handed it something after.
        var departed: [String: Date] = [:]
        /// When every inbox and route was last looked at, whatever its instance.
        var lastFullLook: Date?
    }

    /// Instances silent past the timeout or gone from `instances`: their routes are released and their inbox goes to
    /// the orphan handler.
    ///
    /// Every heartbeat it reads the registrations (a handful of documents) and looks at the instances whose registration
    /// went since the last one, for `cluster.instanceTimeout`. Only once per ``fullLookPeriod`` (and at start) does it
    /// read which instances every inbox item and route names, for one that went while this instance was not running: that
    /// read grows with the inbox, and done every heartbeat on every instance it loaded a busy store most.
    private func takeOverGoneInstances(_ watch: inout TakeOverWatch) async {
        let now = services.clock.now()
        let timeout = services.configuration.cluster.instanceTimeout
        let cutoff = now.addingTimeInterval(-timeout.seconds)
        do {
            let registrations = try await bus.instances.find([:], options: FindOptions(projection: ["heartbeatAt": 1]))
            var registered: Set<String> = []
            var gone: Set<String> = []
            for registration in registrations {
                guard let id = registration["_id"]?.stringValue else { continue }
                registered.insert(id)
                // Not one that is leaving while it still beats: it hands over its inbox itself, in order with what its
                // closing sockets never wrote, and the devices that moved away wait for that (``ClusterBus/isLeaving(_:)``).
                // Taking its inbox from here raced that hand-over: a message could reach the queue after newer ones.
                if registration["heartbeatAt"]?.dateValue.map({ $0 < cutoff }) ?? true { gone.insert(id) }
            }
            for id in watch.registered.subtracting(registered) { watch.departed[id] = now.addingTimeInterval(timeout.seconds) }
            watch.registered = registered
            watch.departed = watch.departed.filter { $0.value > now && !registered.contains($0.key) }
            // One that registered again since the read above (it found itself taken for gone, and claims its connections
            // again) is alive: its fresh routes must not be released, nor its inbox taken.
            for instance in watch.departed.keys where try await !bus.isLiveNow(instance) { gone.insert(instance) }
            if watch.lastFullLook.map({ now.timeIntervalSince($0) >= fullLookPeriod.seconds }) ?? true {
                watch.lastFullLook = now
                let addressed = try await bus.inbox.distinct("instance", filter: [:]).compactMap(\.stringValue)
                // Routes of an instance that left (it keeps them, see `leave`) or died are released here too.
                let routed = try await bus.routes.distinct("instance", filter: [:]).compactMap(\.stringValue)
                // One that started after the registrations were read is alive: read its own heartbeat first.
                for instance in Set(addressed + routed).subtracting(registered) where try await !bus.isLiveNow(instance) {
                    gone.insert(instance)
                }
            }
            gone.remove(bus.instanceId)
            for instance in gone.sorted() {
                // Released, not removed: a device of that instance that reconnects elsewhere in the next moments still
                // learns where it was (``ClusterBus/claim(_:connectionId:)``, a move), and takes what its inbox holds
                // before anything newer. Released routes expire with the `releasedAt` index.
                let routes = try await bus.routes.updateMany(
                    ["instance": .string(instance), "connectionId": ["$ne": ""]],
                    ["$set": ["connectionId": "", "releasedAt": .date(now)]],
                    upsert: false
                ).modifiedCount
                let orphans = try await takeAll(from: instance)
                let unregistered = try await bus.instances.deleteOne(["_id": .string(instance), "heartbeatAt": ["$lt": .date(cutoff)]])
                // Once per instance that died: whoever removed its registration, or took anything of its.
                if routes > 0 || orphans > 0 || unregistered > 0 {
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

    /// How often every inbox item's and route's instance is looked at (see ``takeOverGoneInstances(_:)``): three instance
    /// timeouts.
    var fullLookPeriod: Duration { services.configuration.cluster.instanceTimeout * 3 }

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
