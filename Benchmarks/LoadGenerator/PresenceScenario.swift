import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// The join latencies one event loop's subscribers saw; touched only on that loop.
final class PresenceLoopState: WebSocketReceiver, @unchecked Sendable {
    let sentAt: PresenceSendTimes
    var states = 0
    var joins = 0
    var errorFrames = 0
    var closedEarly = 0
    var latencies: [UInt32] = []

    init(sentAt: PresenceSendTimes) {
        self.sentAt = sentAt
        latencies.reserveCapacity(1 << 20)
    }

    func received(text: ByteBuffer, on socket: WebSocketClientHandler) {
        let now = wallNanos()
        let view = text.readableBytesView
        if view.starts(with: "{\"type\":\"presence_state\"".utf8) {
            states += 1
        } else if view.starts(with: "{\"type\":\"presence_diff\"".utf8) {
            for joiner in Self.joiners(text) {
                guard let sent = sentAt.time(of: joiner) else { continue }
                joins += 1
                latencies.append(UInt32(min((now &- sent) / 1000, UInt64(UInt32.max))))
            }
        } else if view.starts(with: "{\"error\"".utf8) {
            errorFrames += 1
        }
    }

    func closed(_ socket: WebSocketClientHandler, code: Int?) { closedEarly += 1 }

    /// The numbers n of the `"deviceId":"peer_pj_<n>"` entries in a diff.
    static func joiners(_ text: ByteBuffer) -> [Int] {
        let needle = Array("\"deviceId\":\"peer_pj_".utf8)
        return text.withUnsafeReadableBytes { bytes -> [Int] in
            var found: [Int] = []
            var index = 0
            while index + needle.count < bytes.count {
                if bytes[index] == needle[0], bytes[index + 1] == needle[1], zip(needle.indices, needle).allSatisfy({ bytes[index + $0] == $1 }) {
                    var cursor = index + needle.count
                    var value = 0
                    while cursor < bytes.count, bytes[cursor] >= 48, bytes[cursor] <= 57 {
                        value = value * 10 + Int(bytes[cursor] - 48)
                        cursor += 1
                    }
                    found.append(value)
                    index = cursor
                } else {
                    index += 1
                }
            }
            return found
        }
    }
}

/// When each joining device's announce was sent (wall-clock nanoseconds), by its number.
final class PresenceSendTimes: Sendable {
    private let times: Mutex<[UInt64]>

    init(count: Int) { times = Mutex(Array(repeating: 0, count: count)) }

    func record(_ number: Int, at time: UInt64) { times.withLock { $0[number] = time } }

    func time(of number: Int) -> UInt64? {
        times.withLock { number < $0.count && $0[number] > 0 ? $0[number] : nil }
    }
}

/// `presence`: `--subscribers` sockets of one network subscribe to its presence while new devices announce into it at
/// `--rate` a second; every subscriber must see every join within the server's `presence.diffInterval` + 200 ms. The
/// server's CPU is measured for the same announces without subscribers (the baseline) and with them, and compared with
/// what the same clients polling `GET /network/:id/peers` every `--poll-every` seconds cost (measured at saturation on
/// keep-alive connections, then scaled to the polling rate).
enum PresenceScenario {
    static func run(_ options: Options) async throws {
        let subscribers = options.int("subscribers", 1000)
        let rate = options.int("rate", 100)
        let duration = options.double("duration", 20)
        let pollEvery = options.double("poll-every", 5)
        let interval = options.double("diff-interval", 1)
        let network = options.string("network", "presence0")
        let host = "\(options.host):\(options.httpPort)"
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        let joiners = Int(Double(rate) * duration) * 2  // the baseline's and the push phase's

        // The subscribers: announced, connected, not yet subscribed.
        let devices = (0..<subscribers).map { "peer_ps_\($0)" }
        let tokens = try await mintTokens(for: (0..<subscribers).map { "ps_u\($0)" }, secret: options.secret)
        try await announceDevices(devices, tokens: tokens, network: { _ in network }, group: group, options: options, what: "subscribers")
        let sentAt = PresenceSendTimes(count: joiners)
        var loops: [any EventLoop] = []
        for loop in group.makeIterator() { loops.append(loop) }
        let states = loops.map { _ in PresenceLoopState(sentAt: sentAt) }
        let pool = SocketPool(group: group, deviceIds: devices, tokens: tokens) { index in states[index % loops.count] }
        let opened = await pool.openAll(
            host: options.host,
            port: options.wsPort,
            pathPrefix: options.string("path", "/signaling"),
            sources: options.sources,
            perSource: options.perSource,
            window: options.int("window", 256)
        )
        guard opened.failed == 0 else { throw UsageError("subscriber sockets failed to open: \(opened.failures)") }
        try await Task.sleep(for: .seconds(options.double("settle", 2)))

        // Polling: each subscriber's GET peers, pipelined on keep-alive connections, at saturation.
        let polls = tokens.map { encodeRequest("GET", "/network/\(network)/peers", host: host, token: $0) }
        _ = try await HTTPScenarios.measure("warm-up", options, group: group, requests: polls, duration: 1)
        let poll = try await HTTPScenarios.measure("`GET peers` (\(subscribers) devices)", options, group: group, requests: polls, duration: 5)
        let pollRate = Double(subscribers) / pollEvery
        let pollCPUPerRequest = poll.serverCPU / Double(max(poll.result.responses, 1))
        let pollingPercent = pollCPUPerRequest * pollRate * 100

        // The same announces without subscribers, then with every socket subscribed.
        let baseline = try await announcing(from: 0, rate: rate, duration: duration, network: network, options: options, group: group, sentAt: sentAt)
        for (index, handler) in pool.handlers.enumerated() {
            try await pool.loop(for: index).submit { handler.send(text: ByteBuffer(string: "{\"type\":\"presence_subscribe\"}")) }.get()
        }
        let deadline = Date().addingTimeInterval(30)
        while try await total(states, loops, \.states) < subscribers, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let subscribed = try await total(states, loops, \.states)
        guard subscribed == subscribers else { throw UsageError("only \(subscribed) of \(subscribers) sockets got their presence_state") }
        let joinsBefore = try await total(states, loops, \.joins)
        let push = try await announcing(
            from: joiners / 2,
            rate: rate,
            duration: duration,
            network: network,
            options: options,
            group: group,
            sentAt: sentAt
        )
        try await Task.sleep(for: .seconds(interval + 2))  // the last batch's diffs
        var latencies: [UInt32] = []
        var errors = 0
        var closed = 0
        for (index, loop) in loops.enumerated() {
            let state = states[index]
            let part = try await loop.submit { (state.latencies, state.errorFrames, state.closedEarly) }.get()
            latencies += part.0
            errors += part.1
            closed += part.2
        }
        let joinsSeen = try await total(states, loops, \.joins) - joinsBefore
        let expected = push.announced * subscribers
        let summary = LatencySummary(latencies)
        let budget = (interval + 0.2) * 1000
        let late = latencies.filter { Double($0) / 1000 > budget }.count
        try await pool.closeAll()
        try await group.shutdownGracefully()

        let pushExtra = max(push.cpuPercent - baseline.cpuPercent, 0)
        emit(HTTPScenarios.phaseHeader)
        emit(poll.row)
        emit("")
        emit("| phase | announces | announces/s | server CPU (% of a core) |")
        emit("|---|---:|---:|---:|")
        emit("| announces alone (baseline) | \(baseline.announced) | \(format(baseline.rate, 0)) | \(format(baseline.cpuPercent, 1)) |")
        emit("| announces with \(subscribers) subscribers | \(push.announced) | \(format(push.rate, 0)) | \(format(push.cpuPercent, 1)) |")
        emit("")
        emit(
            "Joins: \(joinsSeen) of \(expected) seen (\(subscribers) subscribers × \(push.announced) joins), "
                + "latency from the announce sent to the diff received p50 \(format(summary.p50, 0)) ms, p99 \(format(summary.p99, 0)) ms, "
                + "max \(format(summary.max, 0)) ms; \(late) over diffInterval + 200 ms (\(format(budget, 0)) ms); "
                + "\(errors) error frames, \(closed) sockets closed."
        )
        emit(
            "Server CPU for presence: \(format(pushExtra, 1)) % of a core over the baseline; polling every \(format(pollEvery, 0)) s "
                + "(\(format(pollRate, 0)) req/s × \(format(pollCPUPerRequest * 1e6, 0)) µs): \(format(pollingPercent, 1)) % of a core; "
                + "ratio polling ÷ push **\(format(pollingPercent / max(pushExtra, 0.01), 1))×** "
                + "(polling ÷ whole push phase \(format(pollingPercent / max(push.cpuPercent, 0.01), 1))×)."
        )
    }

    /// What an announcing phase did.
    struct Announcing {
        var announced: Int
        var rate: Double
        var cpuPercent: Double
    }

    /// New devices `peer_pj_<n>` from `first` announce into `network` at `rate` a second (ten batches a second) for
    /// `duration` seconds; returns how many answered 200 and the server's CPU meanwhile.
    static func announcing(
        from first: Int,
        rate: Int,
        duration: Double,
        network: String,
        options: Options,
        group: any EventLoopGroup,
        sentAt: PresenceSendTimes
    ) async throws -> Announcing {
        let count = Int(Double(rate) * duration)
        let host = "\(options.host):\(options.httpPort)"
        let tokens = try await mintTokens(for: (first..<first + count).map { "pj_u\($0)" }, secret: options.secret)
        let pid = options.serverPid
        let before = pid.flatMap(ProcessProbe.cpuSeconds) ?? 0
        let start = Date()
        let perBatch = max(1, rate / 10)
        var announced = 0
        var batch = 0
        while batch * perBatch < count {
            let due = start.addingTimeInterval(Double(batch) / 10)
            if due > Date() { try await Task.sleep(for: .seconds(due.timeIntervalSinceNow)) }
            let numbers = (batch * perBatch)..<min((batch + 1) * perBatch, count)
            let requests = numbers.map { offset -> ByteBuffer in
                let device = "peer_pj_\(first + offset)"
                return encodeRequest(
                    "POST",
                    "/network/\(network)/announce",
                    host: host,
                    token: tokens[offset],
                    json: "{\"peerId\":\"\(device)\",\"signalAddress\":\"wss://signal.example/\(device)\",\"capabilities\":[\"relay\"]}"
                )
            }
            let now = wallNanos()
            for offset in numbers { sentAt.record(first + offset, at: now) }
            let result = try await runHTTPLoad(
                group: group,
                host: options.host,
                port: options.httpPort,
                requests: requests,
                connections: 1,
                depth: perBatch,
                duration: nil
            )
            announced += result.count(200)
            batch += 1
        }
        let elapsed = Date().timeIntervalSince(start)
        let cpu = (pid.flatMap(ProcessProbe.cpuSeconds) ?? 0) - before
        return Announcing(announced: announced, rate: Double(announced) / elapsed, cpuPercent: cpu / elapsed * 100)
    }

    private static func total(
        _ states: [PresenceLoopState],
        _ loops: [any EventLoop],
        _ field: any KeyPath<PresenceLoopState, Int> & Sendable
    ) async throws -> Int {
        var sum = 0
        for (index, loop) in loops.enumerated() {
            let state = states[index]
            sum += try await loop.submit { state[keyPath: field] }.get()
        }
        return sum
    }
}
