import DocumentStore
import Foundation
import Logging
import ServerConfig
import Synchronization

/// Cross-instance routing through the store, for several instances on one MongoDB.
///
/// - Each instance writes a heartbeat to `instances` (``ClusterService``); instances silent longer than
///   `cluster.instanceTimeout` are gone.
/// - A connection's route (key → instance, connection id) lives in `connection_routes` while it is open
///   (``claim(_:connectionId:)``, ``release(_:connectionId:)``); a key that moves takes what waits for it in its old
///   instance's inbox (``takeItems(_:for:from:)``).
/// - ``forward(_:key:body:)`` puts an item for a key connected to another live instance into
///   `instance_inbox`; that instance takes the items in the order they were sent, each exactly once (a delete by `_id` is the claim) and
///   hands it to the application's receiver. Items of an instance that is gone go to the orphan handler
///   (the registry queues its messages), so nothing is lost and nothing is handled twice.
///
/// ```swift
/// services.cluster.onReceive { item in await deliverLocally(item) }
/// if try await services.cluster.forward("message", key: deviceId, body: message) { return }  // sent to its instance
/// ```
public final class ClusterBus: Sendable {
    /// The collection of instances and their heartbeats.
    public static let instancesCollection = "instances"
    /// The collection of open connections' routes.
    public static let routesCollection = "connection_routes"
    /// The collection of items on their way to an instance.
    public static let inboxCollection = "instance_inbox"

    /// Indexes the engine creates for the bus.
    static let indexes: [(collection: String, specs: [IndexSpec])] = [
        (instancesCollection, [IndexSpec("expiresAt", expireAfterSeconds: 0)]),
        // A released route is kept a while (see ``release(_:connectionId:)``), then expires.
        (routesCollection, [IndexSpec("instance"), IndexSpec("releasedAt", expireAfterSeconds: 3600)]),
        (inboxCollection, [IndexSpec(keys: [IndexKey("instance"), IndexKey("_id")])]),
    ]

    /// A handler of items.
    public typealias Handler = @Sendable (ClusterMessage) async -> Void

    /// This instance's id.
    public let instanceId: String
    /// Whether routing runs (`cluster.enabled`, resolved against the store).
    public let isEnabled: Bool
    private let store: any DocumentDatabase
    private let clock: any WallClock
    private let state = Mutex(State())

    private struct State {
        var live: Set<String> = []
        /// `cluster.instanceTimeout`, as the last heartbeat read it.
        var instanceTimeout: Duration = .seconds(10)
        /// This instance's registration is written: its routes may be claimed.
        var registered = false
        /// When the last heartbeat that reached the store was taken (the time it wrote).
        var lastHeartbeat: Date?
        /// Inbox reading is paused because heartbeats are late (``ClusterService``): kept to log each change once.
        var inboxPaused = false
        /// Routes to other instances seen recently: key → (route, until). A stale entry is safe: the instance it
        /// names queues what it cannot deliver and wakes the device's current instance.
        var routeCache: [String: (route: ClusterRoute, until: Date)] = [:]
        var receiver: Handler?
        var orphanHandler: Handler?
        var rejoinHandler: (@Sendable () async -> Void)?
        var leaveHandler: (@Sendable () async -> Void)?
    }

    /// Creates the bus of instance `instanceId` on `store`.
    public init(instanceId: String, isEnabled: Bool, store: any DocumentDatabase, clock: any WallClock) {
        self.instanceId = instanceId
        self.isEnabled = isEnabled
        self.store = store
        self.clock = clock
    }

    /// Sets the handler of items addressed to this instance.
    public func onReceive(_ handler: @escaping Handler) { state.withLock { $0.receiver = handler } }

    /// Sets the handler of items whose instance is gone (taken over by this instance).
    public func onOrphan(_ handler: @escaping Handler) { state.withLock { $0.orphanHandler = handler } }

    /// Sets what runs when this instance finds it was taken for gone (its registration had expired and other
    /// instances released its routes): the application claims its connections' routes again.
    public func onRejoin(_ handler: @escaping @Sendable () async -> Void) { state.withLock { $0.rejoinHandler = handler } }

    /// Sets what runs when this instance leaves the cluster on graceful shutdown, before it hands its inbox to the orphan
    /// handler and removes its registration: the application finishes putting what its closed sockets never wrote back
    /// into the queue, so a device that moved on finds it there (see ``isLeaving(_:)``).
    public func onLeave(_ handler: @escaping @Sendable () async -> Void) { state.withLock { $0.leaveHandler = handler } }

    /// The instances seen alive at the last heartbeat, this one included.
    public var liveInstances: Set<String> { state.withLock { $0.live } }

    // MARK: Routes

    /// What recording a route found.
    public struct Claim: Sendable {
        /// The route it replaces on another live instance (the caller has that connection closed).
        public var replaces: ClusterRoute?
        /// The other instance, live or not, the key's route named before: items for the key may still be in its
        /// inbox (``takeItems(_:for:from:)``).
        public var movedFrom: String?
    }

    /// Records that `key` is connected here as `connectionId`, and says where it was connected before.
    public func claim(_ key: String, connectionId: String) async throws -> Claim {
        guard isEnabled else { return Claim() }
        // A route must never name an instance that others cannot find alive: register before the first claim.
        if !state.withLock({ $0.registered }) { _ = try await writeHeartbeat() }
        state.withLock { _ = $0.routeCache.removeValue(forKey: key) }
        let now = clock.now()
        let previous = try await routes.findOneAndUpdate(
            ["_id": .string(key)],
            [
                "$set": ["instance": .string(instanceId), "connectionId": .string(connectionId), "updatedAt": .date(now)],
                "$unset": ["releasedAt": ""],
            ],
            upsert: true,
            returnDocument: .before,
            options: FindOptions()
        )
        guard let previous, let instance = previous["instance"]?.stringValue, instance != instanceId else { return Claim() }
        guard let route = Self.route(previous) else {
            // Released there a moment ago: senders may still hand its items to that instance's inbox.
            let recent = previous["releasedAt"]?.dateValue.map { now.timeIntervalSince($0) < Self.releasedRouteRelevance.seconds } ?? false
            return recent ? Claim(movedFrom: instance) : Claim()
        }
        return Claim(replaces: try await isLiveNow(route.instance) ? route : nil, movedFrom: route.instance)
    }

    /// How long after a device's connection closed a connection elsewhere still counts as a move: longer than senders
    /// keep a route (``routeCacheLifetime``), with room for their writes to land on a busy store.
    public static let releasedRouteRelevance: Duration = .seconds(10)

    /// Takes the items of `kind` for `key` waiting in `instance`'s inbox, oldest first (each claimed by deleting it, so the
    /// instance itself, if alive, never handles the same item): a key that moved here takes what was sent to its old
    /// instance, and handles it in order with what comes next.
    public func takeItems(_ kind: String, for key: String, from instance: String) async throws -> [ClusterMessage] {
        let pending = try await inbox.find(
            ["instance": .string(instance), "key": .string(key), "kind": .string(kind)],
            options: FindOptions(sort: [SortKey("_id")], limit: 1024)
        )
        return try await claimed(Self.inSendingOrder(pending))
    }

    /// Releases `key`'s route if it is still this instance's `connectionId` (a newer connection elsewhere keeps its own).
    /// The document stays, without a connection, for ``releasedRouteRelevance``: a device that reconnects to another
    /// instance right after learns where it was (``Claim/movedFrom``) and takes over what senders still hand here. Senders
    /// see no route. It expires an hour later (an index on `releasedAt`), or goes with this instance's take-over.
    public func release(_ key: String, connectionId: String) async throws {
        guard isEnabled else { return }
        _ = try await routes.updateOne(
            ["_id": .string(key), "instance": .string(instanceId), "connectionId": .string(connectionId)],
            ["$set": ["connectionId": "", "releasedAt": .date(clock.now())]],
            upsert: false
        )
    }

    /// How long a route to another instance is reused without reading `connection_routes` again.
    public static let routeCacheLifetime: Duration = .milliseconds(500)

    /// Where `key` is connected, when that is another live instance. `fresh` skips the short-lived cache.
    public func remoteRoute(_ key: String, fresh: Bool = false) async throws -> ClusterRoute? {
        guard isEnabled else { return nil }
        let now = clock.now()
        if !fresh, let cached = state.withLock({ $0.routeCache[key] }), cached.until > now, isLive(cached.route.instance) {
            return cached.route
        }
        guard let route = try await routes.findOne(["_id": .string(key)]).flatMap(Self.route), route.instance != instanceId,
            try await isLiveNow(route.instance)
        else {
            state.withLock { _ = $0.routeCache.removeValue(forKey: key) }
            return nil
        }
        state.withLock { state in
            if state.routeCache.count > 100_000 { state.routeCache.removeAll(keepingCapacity: true) }
            state.routeCache[key] = (route, now.addingTimeInterval(Self.routeCacheLifetime.seconds))
        }
        return route
    }

    // MARK: Leaving

    /// Marks this instance as leaving (graceful shutdown has begun): other instances stop counting it as alive, so
    /// senders queue for its devices instead of forwarding, and a device that moves away from it waits, while it is
    /// registered, for what it still holds (``isLeaving(_:)``). Its registration goes once everything is handed over.
    public func markLeaving() async throws {
        guard isEnabled, state.withLock({ $0.registered }) else { return }
        _ = try await instances.updateOne(["_id": .string(instanceId)], ["$set": ["leaving": true]], upsert: false)
    }

    /// Whether `instance` is still registered and leaving: it is handing what it holds (its inbox, the messages its
    /// closed sockets never wrote) to the queue, and removes its registration when done.
    public func isLeaving(_ instance: String) async throws -> Bool {
        guard isEnabled else { return false }
        return try await instances.findOne(["_id": .string(instance), "leaving": true], options: FindOptions(projection: ["_id": 1])) != nil
    }

    // MARK: Sending

    /// Where `key` is connected when that is another instance, read from the store whether that instance looks alive or
    /// not. For requests that must reach an instance taken for gone while it is alive (a slow heartbeat), and cost
    /// nothing when it is really gone: a take-over keeps only the messages of its inbox.
    public func routeElsewhere(_ key: String) async throws -> ClusterRoute? {
        guard isEnabled, let route = try await routes.findOne(["_id": .string(key)]).flatMap(Self.route), route.instance != instanceId
        else { return nil }
        return route
    }

    /// Sends an item for `key` to the live instance it is connected to; false (nothing sent) when it is not
    /// connected to another live instance.
    public func forward(_ kind: String, key: String, body: Document) async throws -> Bool {
        guard let route = try await remoteRoute(key) else { return false }
        try await send(kind, to: route, key: key, body: body)
        return true
    }

    /// Puts one item of `kind` into the inbox of every other instance seen alive at the last heartbeat (a change every
    /// instance must hear of, such as a presence change); returns how many instances it was sent to. `key` names no
    /// connection: the item is for the instance.
    @discardableResult
    public func broadcast(_ kind: String, key: String = "", body: Document) async throws -> Int {
        guard isEnabled else { return 0 }
        let others = liveInstances.subtracting([instanceId])
        for instance in others.sorted() {
            try await send(kind, to: ClusterRoute(instance: instance, connectionId: ""), key: key, body: body)
        }
        return others.count
    }

    /// Puts an item into `route.instance`'s inbox.
    public func send(_ kind: String, to route: ClusterRoute, key: String, body: Document) async throws {
        _ = try await inbox.insertOne([
            "instance": .string(route.instance), "kind": .string(kind), "key": .string(key),
            "connectionId": .string(route.connectionId), "from": .string(instanceId), "body": .document(body),
            "at": .date(clock.now()),
        ])
    }

    // MARK: Used by ClusterService

    var instances: any DocumentCollection { store.collection(Self.instancesCollection) }
    var routes: any DocumentCollection { store.collection(Self.routesCollection) }
    var inbox: any DocumentCollection { store.collection(Self.inboxCollection) }

    func isLive(_ instance: String) -> Bool { state.withLock { $0.live.contains(instance) } }

    /// Whether `instance` is alive: in the set of the last heartbeat, or else with a recent heartbeat in the store (and not
    /// leaving).
    /// An instance started since this one's last heartbeat is found at once, so a route to it is never ignored
    /// (nothing is cached for an instance found silent: it may be rejoining).
    func isLiveNow(_ instance: String) async throws -> Bool {
        let (known, timeout) = state.withLock { ($0.live.contains(instance), $0.instanceTimeout) }
        if known { return true }
        let since = clock.now().addingTimeInterval(-timeout.seconds)
        let found = try await instances.findOne(
            ["_id": .string(instance), "heartbeatAt": ["$gte": .date(since)], "leaving": ["$ne": true]],
            options: FindOptions(projection: ["_id": 1])
        )
        guard found != nil else { return false }
        state.withLock { _ = $0.live.insert(instance) }
        return true
    }

    /// Writes this instance's heartbeat; true when it inserted the registration (none was there).
    func writeHeartbeat() async throws -> Bool {
        let now = clock.now()
        let result = try await instances.updateOne(
            ["_id": .string(instanceId)],
            [
                "$set": ["heartbeatAt": .date(now), "expiresAt": .date(now.addingTimeInterval(86_400))],
                "$setOnInsert": ["startedAt": .date(now)],
            ],
            upsert: true
        )
        state.withLock {
            $0.registered = true
            $0.lastHeartbeat = now
        }
        return result.upsertedId != nil
    }

    /// Records whether inbox reading is paused; returns whether it was before.
    func setInboxPaused(_ paused: Bool) -> Bool {
        state.withLock { state in
            defer { state.inboxPaused = paused }
            return state.inboxPaused
        }
    }

    /// Whether this instance's last heartbeat in the store is younger than `age`: older, others may take it for gone
    /// at any moment (see ``ClusterService``, "fencing").
    func heartbeatIsYounger(than age: Duration) -> Bool {
        guard let last = state.withLock({ $0.lastHeartbeat }) else { return false }
        return clock.now().timeIntervalSince(last) < age.seconds
    }

    /// Records the instances the last heartbeat saw alive and how long an instance may stay silent.
    package func setLive(_ instances: Set<String>, instanceTimeout: Duration) {
        state.withLock {
            $0.live = instances
            $0.instanceTimeout = instanceTimeout
        }
    }

    var receiver: Handler? { state.withLock { $0.receiver } }
    var orphanHandler: Handler? { state.withLock { $0.orphanHandler } }
    var rejoinHandler: (@Sendable () async -> Void)? { state.withLock { $0.rejoinHandler } }
    var leaveHandler: (@Sendable () async -> Void)? { state.withLock { $0.leaveHandler } }

    /// Takes up to `limit` items of `instance`'s inbox, oldest first; each is claimed by deleting it, so two
    /// instances taking over the same inbox never get the same item.
    func take(from instance: String, limit: Int) async throws -> [ClusterMessage] {
        let pending = try await inbox.find(["instance": .string(instance)], options: FindOptions(sort: [SortKey("_id")], limit: limit))
        return try await claimed(Self.inSendingOrder(pending))
    }

    /// `items` (one read, in `_id` order) in the order their instances sent them: by `at`, then `_id` within one
    /// millisecond. `_id`s made by two processes in the same second do not sort in the order they were made, so a sender
    /// that reconnected to another instance could otherwise see two of its messages, one through each instance,
    /// overtake each other. (Sorted here, not by the store: with the store sorting on `at` over an `(instance, at, _id)`
    /// index, the churn test on mongoeco, the suite's MongoDB stand-in, left items in an inbox that its reader no
    /// longer found, while another instance's query for them did.)
    static func inSendingOrder(_ items: [Document]) -> [Document] {
        items.enumerated().sorted { left, right in
            let order = Value.compare(left.element["at"] ?? .null, right.element["at"] ?? .null)
            return order != 0 ? order < 0 : left.offset < right.offset
        }.map(\.element)
    }

    /// How many claims (deletes) of one read run at once.
    static let parallelClaims = 8

    /// The items of `pending` this instance managed to delete (claim), in order. The claims run side by side, at most
    /// ``parallelClaims`` at a time: each is a round trip, and one after the other a read of 150 items waited 150 round
    /// trips on a busy store (3 s on mongoeco under the churn test), while every item behind it waited too.
    private func claimed(_ pending: [Document]) async throws -> [ClusterMessage] {
        let inbox = self.inbox
        let won = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            var won = [Bool](repeating: false, count: pending.count)
            var next = 0
            func claimNext() {
                while next < pending.count {
                    let index = next
                    next += 1
                    if let id = pending[index]["_id"] {
                        group.addTask { (index, try await inbox.deleteOne(["_id": id]) == 1) }
                        return
                    }
                }
            }
            for _ in 0..<Self.parallelClaims { claimNext() }
            while let (index, claimed) = try await group.next() {
                won[index] = claimed
                claimNext()
            }
            return won
        }
        return zip(pending, won).compactMap { document, claimed in
            guard claimed else { return nil }
            return ClusterMessage(
                kind: document["kind"]?.stringValue ?? "",
                key: document["key"]?.stringValue ?? "",
                connectionId: document["connectionId"]?.stringValue ?? "",
                body: document["body"]?.documentValue ?? [:],
                from: document["from"]?.stringValue ?? ""
            )
        }
    }

    /// The route a document names; nil for a released one (no connection).
    private static func route(_ document: Document) -> ClusterRoute? {
        guard let instance = document["instance"]?.stringValue, let connectionId = document["connectionId"]?.stringValue, !connectionId.isEmpty
        else { return nil }
        return ClusterRoute(instance: instance, connectionId: connectionId)
    }
}
