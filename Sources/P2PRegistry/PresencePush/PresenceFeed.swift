import DocumentStore
import Foundation
import Logging
import ServerConfig
import ServerEngine
import Synchronization

/// Presence push, per instance: every source of a presence change (announce, connect, leave, the presence sweep,
/// the coordinator election, and the other instances through the cluster bus) reports it here with
/// ``changed(_:)``; once per `presence.diffInterval` the feed reads the changed devices again, turns what really
/// changed into one `presence_diff` per network, and offers that same text to each of the network's subscribers'
/// send buffers (bounded: a subscriber too slow to take it is closed with 1013, like any slow receiver).
///
/// Only networks with a subscriber on this instance are tracked; a change for another network costs a dictionary
/// lookup. Devices that drop out of the online window without any event (their `lastSeen` ages, or MongoDB's TTL
/// monitor deletes the document inside the database) are found by the batch itself: a listed device whose `lastSeen`
/// is past the window is read again, and leaves unless it was refreshed meanwhile.
final class PresenceFeed: Sendable {
    private struct State {
        /// The networks with subscribers here.
        var networks: [String: PresenceNetwork] = [:]
        /// deviceId → the network whose listing holds it (a device is online in one network at most).
        var listedIn: [String: String] = [:]
        /// Subscriber deviceId → the network it subscribed to.
        var subscriptions: [String: String] = [:]
        /// Devices to read again at the next batch.
        var changed: Set<String> = []
        /// Changes made on this instance, for the other instances (deviceId → network, "" when unknown).
        var outgoing: [String: String] = [:]
        /// The next batch reads every subscribed network whole (``resync()``).
        var resync = false
        /// Starts a batch now, between the interval's (``run(services:)``; see ``received(_:)``).
        var wake: AsyncStream<Void>.Continuation?
    }

    private let state = Mutex(State())

    /// Records changes. `fromCluster`: they came from another instance, which tells the others itself.
    func changed(_ changes: some Sequence<PresenceChange>, fromCluster: Bool = false) {
        state.withLock { state in
            for change in changes {
                if !fromCluster { state.outgoing[change.deviceId] = change.networkId ?? "" }
                let relevant =
                    state.listedIn[change.deviceId] != nil
                    || change.networkId.map { state.networks[$0] != nil } ?? !state.networks.isEmpty
                if relevant { state.changed.insert(change.deviceId) }
            }
        }
    }

    /// Records the change of one device.
    func changed(_ deviceId: String, in networkId: String?) {
        changed([PresenceChange(deviceId: deviceId, networkId: networkId)])
    }

    // MARK: Subscriptions

    /// Subscribes `deviceId`'s socket to `network` (replacing a subscription it had), reads the network's online devices
    /// and sends them as `presence_state`; diffs follow, never before the state. Throws when the store cannot be read
    /// (the socket then gets a `server_error` frame and is not subscribed).
    func subscribe(_ deviceId: String, to network: String, subscriber: PresenceNetwork.Subscriber, services: EngineServices) async throws {
        state.withLock { state in
            Self.remove(deviceId, connectionId: nil, from: &state)
            state.subscriptions[deviceId] = network
            state.networks[network, default: PresenceNetwork()].subscribers[deviceId] = subscriber
        }
        let devices: [Document]
        do {
            devices = try await PeersHandler.onlineDevices(in: network, services: services)
        } catch {
            unsubscribe(deviceId, connectionId: subscriber.connectionId)
            throw error
        }
        let frame = PresenceFrames.state(network: network, devices: PeersHandler.newestFirst(devices), at: services.clock.now())
        let limits = services.configuration.limits.webSocket
        let offer = state.withLock { state -> WebSocketSendBuffer.Offer? in
            guard var entry = state.networks[network], var current = entry.subscribers[deviceId],
                current.connectionId == subscriber.connectionId
            else { return nil }  // unsubscribed meanwhile
            if entry.listed == nil {
                var listed: [String: PresenceNetwork.Listed] = [:]
                for device in devices {
                    guard let id = device["deviceId"]?.stringValue else { continue }
                    listed[id] = PresenceNetwork.listed(device)
                    state.listedIn[id] = network
                }
                entry.listed = listed
                state.changed.formUnion(entry.replay)
                entry.replay = []
            }
            // Offered under the lock, so that no diff (offered after the batch takes the lock) can overtake it.
            let offer = current.sendBuffer.offer(.init(text: frame), limits: limits)
            current.active = offer == .accepted
            entry.subscribers[deviceId] = current
            state.networks[network] = entry
            return offer
        }
        switch offer {
        case .accepted?:
            count(states: 1, on: services.metrics)
        case .overflow?:
            unsubscribe(deviceId, connectionId: subscriber.connectionId)
            subscriber.close(SignalingHub.tryAgainLaterCloseCode, "Try again later: receiving too slowly")
            count(slowCloses: 1, on: services.metrics)
        case .closed?:
            unsubscribe(deviceId, connectionId: subscriber.connectionId)  // the socket is closing
        case nil:
            break
        }
    }

    /// Counts presence frames sent and subscribers closed for not taking one, and updates the subscriber gauge.
    private func count(states: Int = 0, diffs: Int = 0, slowCloses: Int = 0, on metrics: EngineMetrics) {
        if states > 0 { RegistryMetrics.count(RegistryMetrics.presenceStates, states, on: metrics) }
        if diffs > 0 { RegistryMetrics.count(RegistryMetrics.presenceDiffs, diffs, on: metrics) }
        if slowCloses > 0 { RegistryMetrics.count(RegistryMetrics.presenceSlowCloses, slowCloses, on: metrics) }
        metrics.setGauge(
            RegistryMetrics.presenceSubscribers,
            help: RegistryMetrics.help[RegistryMetrics.presenceSubscribers] ?? "",
            to: Double(subscriberCount)
        )
    }

    /// Ends `deviceId`'s subscription, if `connectionId` holds it (nil: whichever connection holds it).
    func unsubscribe(_ deviceId: String, connectionId: UInt64?) {
        state.withLock { Self.remove(deviceId, connectionId: connectionId, from: &$0) }
    }

    /// The network `deviceId`'s socket subscribed to here, if any.
    func subscription(of deviceId: String) -> String? {
        state.withLock { $0.subscriptions[deviceId] }
    }

    /// How many sockets subscribe on this instance (for tests and metrics).
    var subscriberCount: Int { state.withLock { $0.subscriptions.count } }

    private static func remove(_ deviceId: String, connectionId: UInt64?, from state: inout State) {
        guard let network = state.subscriptions[deviceId], var entry = state.networks[network] else { return }
        if let connectionId, entry.subscribers[deviceId]?.connectionId != connectionId { return }
        state.subscriptions[deviceId] = nil
        entry.subscribers[deviceId] = nil
        if entry.subscribers.isEmpty {
            // Nobody here listens to the network any more: forget its listing.
            state.networks[network] = nil
            for id in entry.listed?.keys ?? [:].keys where state.listedIn[id] == network { state.listedIn[id] = nil }
        } else {
            state.networks[network] = entry
        }
    }

    // MARK: Batches

    /// What one batch must read and send.
    private struct Work {
        var devices: Set<String>
        var outgoing: [String: String]
    }

    /// One batch: tells the other instances what changed here, reads the changed devices (and the listed ones past the
    /// online window) and sends each network's diff to its active subscribers.
    func batch(services: EngineServices) async {
        await resyncIfAsked(services: services)
        let since = services.clock.now().addingTimeInterval(-services.ttl(RegistryHandlers.TTL.deviceOnline).seconds)
        let work = state.withLock { state -> Work in
            for entry in state.networks.values {
                for (id, listed) in entry.listed ?? [:] where listed.lastSeen < since { state.changed.insert(id) }
            }
            defer {
                state.changed = []
                state.outgoing = [:]
            }
            return Work(devices: state.changed, outgoing: state.outgoing)
        }
        if !work.outgoing.isEmpty { await tellOtherInstances(work.outgoing, services: services) }
        guard !work.devices.isEmpty else {
            count(on: services.metrics)  // the subscriber gauge, after unsubscribes and closed sockets
            return
        }
        let devices: [String: Document]
        do {
            devices = try await read(work.devices, services: services)
        } catch {
            services.logger.warning("presence batch could not read the devices; retrying at the next", metadata: ["error": "\(error)"])
            state.withLock { $0.changed.formUnion(work.devices) }
            return
        }
        let now = services.clock.now()
        let deliveries = state.withLock { state in
            Self.diffs(devices, changed: work.devices, since: since, at: now, state: &state)
        }
        let limits = services.configuration.limits.webSocket
        var (sent, closed) = (0, 0)
        for (frame, subscribers) in deliveries {
            for subscriber in subscribers {
                switch subscriber.sendBuffer.offer(.init(text: frame), limits: limits) {
                case .accepted:
                    sent += 1
                case .overflow:
                    // A missed diff cannot be sent later: the subscriber reconnects and gets the state again.
                    subscriber.close(SignalingHub.tryAgainLaterCloseCode, "Try again later: receiving too slowly")
                    closed += 1
                case .closed:
                    break
                }
            }
        }
        count(diffs: sent, slowCloses: closed, on: services.metrics)
    }

    /// Makes the next batch read every subscribed network's online devices again and tell the subscribers whatever
    /// differs from what they were told. For changes that could not reach this instance: the other instances send
    /// theirs only to instances they see alive, so while they took this one for gone (its heartbeats were late) what
    /// changed there was never sent here.
    func resync() {
        state.withLock { $0.resync = true }
    }

    /// For a ``resync()``: marks every device listed in a subscribed network, and every device online there now, as
    /// changed (the batch then reads them and diffs them as usual). Retried at the next batch when the store fails.
    private func resyncIfAsked(services: EngineServices) async {
        let networks = state.withLock { state -> [String] in
            defer { state.resync = false }
            return state.resync ? Array(state.networks.keys) : []
        }
        guard !networks.isEmpty else { return }
        var online: Set<String> = []
        do {
            for network in networks {
                for device in try await PeersHandler.onlineDevices(in: network, services: services) {
                    if let id = device["deviceId"]?.stringValue { online.insert(id) }
                }
            }
        } catch {
            services.logger.warning("presence resync could not read the networks; retrying at the next batch", metadata: ["error": "\(error)"])
            state.withLock { $0.resync = true }
            return
        }
        state.withLock { state in
            state.changed.formUnion(online)
            for network in networks { state.changed.formUnion(state.networks[network]?.listed?.keys ?? [:].keys) }
        }
    }

    /// Applies a batch's reads to each affected network; returns each network's diff frame with its active subscribers.
    private static func diffs(
        _ devices: [String: Document],
        changed: Set<String>,
        since: Date,
        at now: Date,
        state: inout State
    ) -> [(String, [PresenceNetwork.Subscriber])] {
        var affected: [String: [String]] = [:]
        for id in changed {
            if let network = state.listedIn[id], state.networks[network] != nil { affected[network, default: []].append(id) }
            if let network = devices[id]?["networkId"]?.stringValue, state.networks[network] != nil, state.listedIn[id] != network {
                affected[network, default: []].append(id)
            }
        }
        var deliveries: [(String, [PresenceNetwork.Subscriber])] = []
        for (network, var entry) in state.networks {
            guard entry.listed != nil else {
                entry.replay.formUnion(changed)  // its state is being read: these are looked at again once it is
                state.networks[network] = entry
                continue
            }
            guard let ids = affected[network] else { continue }
            let (joins, leaves) = entry.apply(devices, for: ids, network: network, since: since)
            for leave in leaves where state.listedIn[leave] == network { state.listedIn[leave] = nil }
            for join in joins { if let id = join["deviceId"]?.stringValue { state.listedIn[id] = network } }
            state.networks[network] = entry
            guard !joins.isEmpty || !leaves.isEmpty else { continue }
            let frame = PresenceFrames.diff(network: network, joins: joins, leaves: leaves, at: now)
            deliveries.append((frame, entry.subscribers.values.filter(\.active)))
        }
        return deliveries
    }

    /// The devices' documents, by deviceId (a deleted device is absent).
    private func read(_ deviceIds: Set<String>, services: EngineServices) async throws -> [String: Document] {
        var found: [String: Document] = [:]
        let ids = Array(deviceIds)
        for start in stride(from: 0, to: ids.count, by: 1000) {
            let batch = ids[start..<min(start + 1000, ids.count)]
            let documents = try await services.collection(RegistryCollections.devices).find(
                ["deviceId": ["$in": .array(batch.map(Value.string))]]
            )
            for document in documents { if let id = document["deviceId"]?.stringValue { found[id] = document } }
        }
        return found
    }

    /// The background task: a batch every `presence.diffInterval` (read before each wait, so a reload applies to the
    /// next one) of the engine's clock, and one whenever ``batchNow()`` asks, until cancelled. One batch at a time.
    func run(services: EngineServices) async throws {
        let (wakeUps, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        state.withLock { $0.wake = wake }
        defer { state.withLock { $0.wake = nil } }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                defer { wake.finish() }
                while !Task.isCancelled {
                    try await services.clock.sleep(for: services.configuration.limits.presence.diffInterval)
                    wake.yield()
                }
            }
            for await _ in wakeUps { await batch(services: services) }
        }
    }

    /// Whether a change concerns a network with subscribers here (the next batch reads it).
    var hasChanges: Bool { state.withLock { !$0.changed.isEmpty } }

    /// Runs a batch now (once the one in progress, if any, is done) instead of at the next interval.
    func batchNow() {
        _ = state.withLock { $0.wake }?.yield()
    }
}
