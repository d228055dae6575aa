import Foundation
import NIOCore
import NIOPosix

/// `presence`: `--subscribers` sockets of one network subscribe to its presence while new devices announce into it at
/// `--rate` a second; every subscriber must see every join within the server's `presence.diffInterval` + 200 ms. The
/// server's CPU is measured for the same announces without subscribers (the baseline) and with them, and compared with
/// what the same clients polling `GET /network/:id/peers` every `--poll-every` seconds cost (measured at saturation on
/// keep-alive connections, then scaled to the polling rate). With a second instance (``PresenceTopology``) the
/// announces go to A and the subscribers sit on B (or on both), so the joins cross the cluster bus.
enum PresenceScenario {
    static func run(_ options: Options) async throws {
        let topology = try PresenceTopology(options)
        let subscribers = options.int("subscribers", 1000)
        let rate = options.int("rate", 100)
        let duration = options.double("duration", 20)
        let pollEvery = options.double("poll-every", 5)
        let interval = options.double("diff-interval", 1)
        let network = options.string("network", "presence0")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        let joiners = Int(Double(rate) * duration) * 2  // the baseline's and the push phase's
        var loops: [any EventLoop] = []
        for loop in group.makeIterator() { loops.append(loop) }

        // The subscribers: announced on their instance, connected to it, not yet subscribed.
        let devices = (0..<subscribers).map { "peer_ps_\($0)" }
        let tokens = try await mintTokens(for: (0..<subscribers).map { "ps_u\($0)" }, secret: options.secret)
        let sentAt = PresenceSendTimes(count: joiners)
        let homes = topology.homes
        let states = homes.map { _ in loops.map { _ in PresenceLoopState(sentAt: sentAt) } }
        var pools: [SocketPool] = []
        for (home, target) in homes.enumerated() {
            let mine = Array(stride(from: home, to: subscribers, by: homes.count))
            let ids = mine.map { devices[$0] }
            let keys = mine.map { tokens[$0] }
            try await announceDevices(ids, tokens: keys, network: { _ in network }, group: group, options: target, what: "subscribers")
            let pool = SocketPool(group: group, deviceIds: ids, tokens: keys) { index in states[home][index % loops.count] }
            let opened = await pool.openAll(
                host: target.host,
                port: target.wsPort,
                pathPrefix: options.string("path", "/signaling"),
                sources: options.sources,
                perSource: options.perSource,
                window: options.int("window", 256)
            )
            guard opened.failed == 0 else { throw UsageError("subscriber sockets failed to open: \(opened.failures)") }
            pools.append(pool)
        }
        log("\(subscribers) subscribers announced and connected")
        try await Task.sleep(for: .seconds(options.double("settle", 2)))

        // Polling: each subscriber's GET peers, pipelined on keep-alive connections, at saturation, on B if there is one.
        let pollTarget = topology.pollTarget
        let polls = tokens.map { encodeRequest("GET", "/network/\(network)/peers", host: "\(pollTarget.host):\(pollTarget.httpPort)", token: $0) }
        _ = try await HTTPScenarios.measure("warm-up", pollTarget, group: group, requests: polls, duration: 1)
        let storeBefore = topology.store?.pid.flatMap(ProcessProbe.cpuSeconds) ?? 0
        let poll = try await HTTPScenarios.measure("`GET peers` (\(subscribers) devices)", pollTarget, group: group, requests: polls, duration: 5)
        let pollStoreCPU = (topology.store?.pid.flatMap(ProcessProbe.cpuSeconds) ?? 0) - storeBefore
        log("polling measured: \(poll.result.responses) GET peers")
        let responses = Double(max(poll.result.responses, 1))
        let polling = Polling(
            rate: Double(subscribers) / pollEvery,
            serverPerRequest: poll.serverCPU / responses,
            storePerRequest: pollStoreCPU / responses
        )

        // The same announces without subscribers, then with every socket subscribed.
        let baseline = try await PresenceAnnouncing.run(
            from: 0,
            rate: rate,
            duration: duration,
            network: network,
            topology: topology,
            group: group,
            sentAt: sentAt
        )
        log("baseline: \(baseline.announced) announces")
        for pool in pools {
            for (index, handler) in pool.handlers.enumerated() {
                try await pool.loop(for: index).submit { handler.send(text: ByteBuffer(string: "{\"type\":\"presence_subscribe\"}")) }.get()
            }
        }
        let all = states.flatMap { $0 }
        let subscribing = Date()
        let deadline = subscribing.addingTimeInterval(options.double("state-timeout", 30))
        while try await total(all, loops, \.states) < subscribers, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let subscribed = try await total(all, loops, \.states)
        guard subscribed == subscribers else { throw UsageError("only \(subscribed) of \(subscribers) sockets got their presence_state") }
        log("\(subscribers) presence_state frames in \(format(Date().timeIntervalSince(subscribing), 1)) s")
        var joinsBefore: [Int] = []
        for home in homes.indices { joinsBefore.append(try await total(states[home], loops, \.joins)) }
        let push = try await PresenceAnnouncing.run(
            from: joiners / 2,
            rate: rate,
            duration: duration,
            network: network,
            topology: topology,
            group: group,
            sentAt: sentAt
        )
        // The last batch's diffs (two batches across instances, each behind the store's queue).
        try await Task.sleep(for: .seconds(options.double("drain", 2 * interval + 2)))
        var seen: [Seen] = []
        for home in homes.indices {
            var part = Seen(joins: try await total(states[home], loops, \.joins) - joinsBefore[home], subscribers: pools[home].handlers.count)
            for (index, loop) in loops.enumerated() {
                let state = states[home][index]
                let loopPart = try await loop.submit { (state.latencies, state.errorFrames, state.closedEarly) }.get()
                part.latencies += loopPart.0
                part.errors += loopPart.1
                part.closed += loopPart.2
            }
            seen.append(part)
        }
        for pool in pools { try await pool.closeAll() }
        try await group.shutdownGracefully()

        report(topology, poll: poll, polling: polling, pollEvery: pollEvery, baseline: baseline, push: push, seen: seen, interval: interval)
    }

    /// What polling every `--poll-every` seconds costs, scaled from the saturated measurement.
    struct Polling {
        var rate: Double
        var serverPerRequest: Double
        var storePerRequest: Double
    }

    /// What one instance's subscribers saw in the push phase.
    struct Seen {
        var joins: Int
        var subscribers: Int
        var latencies: [UInt32] = []
        var errors = 0
        var closed = 0
    }

    static func report(
        _ topology: PresenceTopology,
        poll: HTTPScenarios.Phase,
        polling: Polling,
        pollEvery: Double,
        baseline: PresenceAnnouncing.Result,
        push: PresenceAnnouncing.Result,
        seen: [Seen],
        interval: Double
    ) {
        let budget = (interval + 0.2) * 1000
        emit(HTTPScenarios.phaseHeader)
        emit(poll.row)
        emit("")
        let labels = topology.processes.map { "\($0.label) CPU (% of a core)" }
        emit("| phase | announces | announces/s | " + labels.joined(separator: " | ") + " |")
        emit("|---|---:|---:|" + String(repeating: "---:|", count: labels.count))
        func row(_ name: String, _ phase: PresenceAnnouncing.Result) -> String {
            "| \(name) | \(phase.announced) | \(format(phase.rate, 0)) | " + phase.cpuPercent.map { format($0, 1) }.joined(separator: " | ") + " |"
        }
        emit(row("announces alone (baseline)", baseline))
        emit(row("announces with \(seen.reduce(0) { $0 + $1.subscribers }) subscribers", push))
        emit("")
        for (home, part) in seen.enumerated() {
            let summary = LatencySummary(part.latencies)
            let late = part.latencies.filter { Double($0) / 1000 > budget }.count
            let name = topology.name(ofHome: home)
            emit(
                "Joins\(name.isEmpty ? "" : " on \(name)"): \(part.joins) of \(push.announced * part.subscribers) seen "
                    + "(\(part.subscribers) subscribers × \(push.announced) joins), latency from the announce sent to the diff received "
                    + "p50 \(format(summary.p50, 0)) ms, p99 \(format(summary.p99, 0)) ms, max \(format(summary.max, 0)) ms; "
                    + "\(late) over diffInterval + 200 ms (\(format(budget, 0)) ms); \(part.errors) error frames, \(part.closed) sockets closed."
            )
        }
        let instances = 0..<topology.instanceCount
        let pushWhole = instances.reduce(0) { $0 + push.cpuPercent[$1] }
        let pushExtra = max(pushWhole - instances.reduce(0) { $0 + baseline.cpuPercent[$1] }, 0)
        let pollingPercent = polling.serverPerRequest * polling.rate * 100
        emit(
            "Registry CPU for presence\(topology.instanceCount > 1 ? " (both instances)" : ""): \(format(pushExtra, 1)) % of a core over the baseline; "
                + "polling every \(format(pollEvery, 0)) s (\(format(polling.rate, 0)) req/s × \(format(polling.serverPerRequest * 1e6, 0)) µs): "
                + "\(format(pollingPercent, 1)) % of a core; ratio polling ÷ push **\(format(pollingPercent / max(pushExtra, 0.01), 1))×** "
                + "(polling ÷ whole push phase \(format(pollingPercent / max(pushWhole, 0.01), 1))×)."
        )
        if let store = topology.store {
            let index = topology.processes.count - 1
            let storeExtra = max(push.cpuPercent[index] - baseline.cpuPercent[index], 0)
            let storePolling = polling.storePerRequest * polling.rate * 100
            emit(
                "The store's process (\(store.label)) for presence: \(format(storeExtra, 1)) % of a core over the baseline; for the polling "
                    + "(\(format(polling.storePerRequest * 1e6, 0)) µs a request): \(format(storePolling, 1)) % of a core; "
                    + "ratio \(format(storePolling / max(storeExtra, 0.01), 1))×."
            )
        }
    }

    private static func total(
        _ states: [PresenceLoopState],
        _ loops: [any EventLoop],
        _ field: any KeyPath<PresenceLoopState, Int> & Sendable
    ) async throws -> Int {
        var sum = 0
        for (index, state) in states.enumerated() {
            sum += try await loops[index % loops.count].submit { state[keyPath: field] }.get()
        }
        return sum
    }
}
