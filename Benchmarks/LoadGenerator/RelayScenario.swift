import Foundation
import NIOCore
import NIOPosix

/// The relay counters and latencies of the pairs on one event loop; touched only on that loop.
final class RelayLoopState: WebSocketReceiver, @unchecked Sendable {
    let pairs: [Int]
    var sent: [Int: Int] = [:]
    var received = 0
    var sentTotal = 0
    var outOfOrder = 0
    var errorFrames = 0
    var errorSamples: [String] = []
    var unparsed = 0
    var latencies: [UInt32] = []
    /// Next expected sequence number per pair and direction (2 * pair + receiving side).
    var expected: [Int: Int] = [:]
    var cursor = 0
    var closedEarly = 0

    init(pairs: [Int]) {
        self.pairs = pairs
        latencies.reserveCapacity(1 << 18)
    }

    func received(text: ByteBuffer, on socket: WebSocketClientHandler) {
        let now = NIODeadline.now().uptimeNanoseconds
        guard let (sentAt, sequence) = Self.stamps(text) else {
            if text.readableBytesView.starts(with: "{\"error\"".utf8) {
                errorFrames += 1
                if errorSamples.count < 3 { errorSamples.append(String(buffer: text)) }
            } else {
                unparsed += 1
            }
            return
        }
        received += 1
        latencies.append(UInt32(min((now &- sentAt) / 1000, UInt64(UInt32.max))))
        let key = socket.index  // the receiving socket: one direction of one pair
        let want = expected[key] ?? 0
        if sequence != want { outOfOrder += 1 }
        expected[key] = max(want, sequence + 1)
    }

    func closed(_ socket: WebSocketClientHandler, code: Int?) { closedEarly += 1 }

    /// `"lt":<send time>` and `"ls":<sequence>` from a relayed frame's data.
    static func stamps(_ text: ByteBuffer) -> (UInt64, Int)? {
        text.withUnsafeReadableBytes { bytes -> (UInt64, Int)? in
            func number(after key: (UInt8, UInt8)) -> UInt64? {
                // Finds `"<k0><k1>":` and reads the digits after it.
                var index = 0
                while index + 5 < bytes.count {
                    if bytes[index] == 34, bytes[index + 1] == key.0, bytes[index + 2] == key.1, bytes[index + 3] == 34, bytes[index + 4] == 58 {
                        var value: UInt64 = 0
                        var cursor = index + 5
                        while cursor < bytes.count, bytes[cursor] >= 48, bytes[cursor] <= 57 {
                            value = value * 10 + UInt64(bytes[cursor] - 48)
                            cursor += 1
                        }
                        return value
                    }
                    index += 1
                }
                return nil
            }
            guard let time = number(after: (108, 116)), let sequence = number(after: (108, 115)) else { return nil }  // "lt", "ls"
            return (time, Int(sequence))
        }
    }
}

/// `relay`: pairs of sockets exchange offers, answers and ICE candidates at a target total rate; the sender
/// stamps its monotonic clock into the payload, the receiver (same process) measures latency and counts.
enum RelayScenario {
    static func run(_ options: Options) async throws {
        let pairs = options.int("pairs", 500)
        let rate = options.double("rate", 5000)
        let duration = options.double("duration", 10)
        let payloadSize = options.int("payload", 200)
        let prefix = options.string("prefix", "relay")
        let networkSize = max(2, options.int("network-size", 100))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)

        var devices: [String] = []
        var users: [String] = []
        for pair in 0..<pairs {
            devices += ["peer_\(prefix)_a\(pair)", "peer_\(prefix)_b\(pair)"]
            users += ["\(prefix)_ua\(pair)", "\(prefix)_ub\(pair)"]
        }
        let tokens = try await mintTokens(for: users, secret: options.secret)
        try await announceDevices(
            devices,
            tokens: tokens,
            network: { "\(prefix)\($0 / networkSize)" },
            group: group,
            options: options,
            what: "relay devices"
        )

        var loops: [any EventLoop] = []
        for loop in group.makeIterator() { loops.append(loop) }
        let states = loops.indices.map { loopIndex in RelayLoopState(pairs: (0..<pairs).filter { $0 % loops.count == loopIndex }) }
        let pool = SocketPool(group: group, deviceIds: devices, tokens: tokens, grouping: 2) { index in states[(index / 2) % loops.count] }
        let opened = await pool.openAll(
            host: options.host,
            port: options.wsPort,
            pathPrefix: options.string("path", "/signaling"),
            sources: options.sources,
            perSource: options.perSource,
            window: options.int("window", 512)
        )
        guard opened.failed == 0 else { throw UsageError("relay sockets failed to open: \(opened.failures)") }
        // The server claims each device and refreshes its presence after the upgrade; let that settle.
        try await Task.sleep(for: .seconds(options.double("settle", 2)))

        let payload = String(repeating: "x", count: payloadSize)
        let types = ["offer", "answer", "ice-candidate"]
        // Per socket: the constant middle of its frames.
        let middles = devices.indices.map { index in "\",\"toPeerId\":\"\(devices[index ^ 1])\",\"data\":{\"lt\":" }
        let suffix = ",\"p\":\"\(payload)\"}}"
        let pid = options.serverPid
        let serverCPUBefore = pid.flatMap(ProcessProbe.cpuSeconds) ?? 0
        let selfCPUBefore = ProcessProbe.cpuSeconds(getpid()) ?? 0
        let start = NIODeadline.now()
        let perLoop = rate / Double(loops.count)
        let handlers = pool.handlers
        var tasks: [RepeatedTask] = []
        for (loopIndex, loop) in loops.enumerated() {
            let state = states[loopIndex]
            let task = try await loop.submit {
                loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { _ in
                    guard !state.pairs.isEmpty else { return }
                    let elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1e9
                    let due = min(Int(elapsed * perLoop) - state.sentTotal, max(100, Int(perLoop / 50)))
                    guard due > 0 else { return }
                    for _ in 0..<due {
                        let pair = state.pairs[state.cursor % state.pairs.count]
                        state.cursor += 1
                        let count = state.sent[pair, default: 0]
                        state.sent[pair] = count + 1
                        let side = count % 2
                        let sender = handlers[2 * pair + side]
                        let sequence = count / 2
                        var frame = ByteBuffer()
                        frame.reserveCapacity(payloadSize + 160)
                        frame.writeStaticString("{\"type\":\"")
                        frame.writeString(types[sequence % 3])
                        frame.writeString(middles[2 * pair + side])
                        frame.writeString(String(NIODeadline.now().uptimeNanoseconds))
                        frame.writeStaticString(",\"ls\":")
                        frame.writeString(String(sequence))
                        frame.writeString(suffix)
                        sender.send(text: frame)
                        state.sentTotal += 1
                    }
                }
            }.get()
            tasks.append(task)
        }
        try await Task.sleep(for: .seconds(duration))
        for task in tasks { task.cancel() }
        let sendSeconds = Double((NIODeadline.now() - start).nanoseconds) / 1e9
        let serverCPUSend = (pid.flatMap(ProcessProbe.cpuSeconds) ?? 0) - serverCPUBefore
        let selfCPUSend = (ProcessProbe.cpuSeconds(getpid()) ?? 0) - selfCPUBefore

        // Drain: wait (bounded) until every sent message arrived.
        var sent = 0
        var received = 0
        let drainLimit = Date().addingTimeInterval(options.double("drain", 5))
        repeat {
            try await Task.sleep(for: .milliseconds(50))
            (sent, received) = (0, 0)
            for (loopIndex, loop) in loops.enumerated() {
                let state = states[loopIndex]
                let counts = try await loop.submit { (state.sentTotal, state.received + state.errorFrames) }.get()
                sent += counts.0
                received += counts.1
            }
        } while received < sent && Date() < drainLimit
        var latencies: [UInt32] = []
        var delivered = 0
        var outOfOrder = 0
        var errors = 0
        var unparsed = 0
        var closed = 0
        var samples: [String] = []
        for (loopIndex, loop) in loops.enumerated() {
            let state = states[loopIndex]
            let part = try await loop.submit {
                (state.latencies, state.received, state.outOfOrder, state.errorFrames, state.unparsed, state.closedEarly, state.errorSamples)
            }.get()
            latencies += part.0
            delivered += part.1
            outOfOrder += part.2
            errors += part.3
            unparsed += part.4
            closed += part.5
            samples += part.6
        }
        let rssServer = pid.flatMap(ProcessProbe.rssKiB) ?? 0
        try await pool.closeAll()
        let summary = LatencySummary(latencies)
        let row = [
            "\(devices.count)", format(rate, 0), "\(sent)", "\(delivered)", format(Double(delivered) / sendSeconds, 0), format(summary.p50, 2),
            format(summary.p99, 2),
            format(summary.max, 2), "\(sent - delivered)", "\(outOfOrder)", "\(errors)", format(serverCPUSend / sendSeconds * 100, 0),
            format(serverCPUSend * 1e6 / Double(max(delivered, 1)), 1), format(selfCPUSend / sendSeconds * 100, 0),
            format(Double(rssServer) / 1024, 0),
        ]
        emit("| " + row.joined(separator: " | ") + " |")
        try await group.shutdownGracefully()
        if errors > 0 || unparsed > 0 || closed > 0 {
            log("relay: \(errors) error frames \(samples), \(unparsed) unparsed frames, \(closed) sockets closed early")
        }
    }

    static let header = """
        | sockets | target msgs/s | sent | delivered | **delivered/s** | p50 (ms) | **p99 (ms)** | max (ms) | **lost** | out of order | error frames | server CPU (% of a core) | server CPU µs/msg | generator CPU (% of a core) | server RSS (MiB) |
        |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
        """
}
