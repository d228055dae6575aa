import Foundation
import NIOCore
import NIOPosix

/// `announce` and `discover`: pipelined keep-alive HTTP/1.1 against the API, each next to the same server's
/// `GET /healthz` measured in the same run (the ceiling of the HTTP stack on this machine).
enum HTTPScenarios {
    struct Phase {
        let name: String
        let result: HTTPLoadResult
        let serverCPU: Double

        var row: String {
            let summary = LatencySummary(result.latenciesMicros)
            let cpuPerRequest = result.responses > 0 ? serverCPU * 1e6 / Double(result.responses) : 0
            let cells = [
                name, "\(result.responses)", format(result.rate, 0), format(summary.p50, 2), format(summary.p99, 2), format(summary.max, 2),
                "\(result.statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))", "\(result.errors.count)",
                format(serverCPU / max(result.elapsed, 1e-9) * 100, 0), format(cpuPerRequest, 1),
            ]
            return "| " + cells.joined(separator: " | ") + " |"
        }
    }

    static let phaseHeader = """
        | phase | responses | **req/s** | p50 (ms) | **p99 (ms)** | max (ms) | statuses | connection errors | server CPU (% of a core) | server CPU µs/req |
        |---|---:|---:|---:|---:|---:|---|---:|---:|---:|
        """

    static func measure(
        _ name: String,
        _ options: Options,
        group: any EventLoopGroup,
        requests: [ByteBuffer],
        duration: Double,
        capture: Bool = false
    ) async throws -> Phase {
        let pid = options.serverPid
        let before = pid.flatMap(ProcessProbe.cpuSeconds) ?? 0
        let result = try await runHTTPLoad(
            group: group,
            host: options.host,
            port: options.httpPort,
            requests: requests,
            connections: options.int("connections", 8),
            depth: options.int("depth", 8),
            duration: duration,
            sources: options.sources,
            captureFirstBody: capture
        )
        return Phase(name: name, result: result, serverCPU: (pid.flatMap(ProcessProbe.cpuSeconds) ?? 0) - before)
    }

    static func healthz(_ options: Options) -> [ByteBuffer] { [encodeRequest("GET", "/healthz", host: "\(options.host):\(options.httpPort)")] }

    static func announceRequests(users: Int, prefix: String, network: (Int) -> String, tokens: [String], host: String) -> [ByteBuffer] {
        (0..<users).map { index in
            let device = "peer_\(prefix)_\(index)"
            return encodeRequest(
                "POST",
                "/network/\(network(index))/announce",
                host: host,
                token: tokens[index],
                json: "{\"peerId\":\"\(device)\",\"signalAddress\":\"wss://signal.example.com/\(device)\",\"capabilities\":[\"relay\",\"store\"]}"
            )
        }
    }

    // MARK: announce

    static func announce(_ options: Options) async throws {
        let users = options.int("users", 1000)
        let duration = options.double("duration", 5)
        let prefix = options.string("prefix", "ann")
        let host = "\(options.host):\(options.httpPort)"
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        let tokens = try await mintTokens(for: (0..<users).map { "\(prefix)_u\($0)" }, secret: options.secret)
        let announces = announceRequests(users: users, prefix: prefix, network: { "\(prefix)\($0 % 50)" }, tokens: tokens, host: host)
        let health = healthz(options)
        // Warm-up: every device's first announce (an insert), and the HTTP stack.
        let first = try await runHTTPLoad(
            group: group,
            host: options.host,
            port: options.httpPort,
            requests: announces,
            connections: 4,
            depth: 16,
            duration: nil
        )
        guard first.count(200) == users else { throw UsageError("first announces failed: \(first.statuses) \(first.errors.prefix(3))") }
        _ = try await measure("warm-up", options, group: group, requests: health, duration: 1)

        let before = try await measure("`GET /healthz`", options, group: group, requests: health, duration: duration)
        let announced = try await measure(
            "`POST /network/:id/announce` (\(users) users, re-announce)",
            options,
            group: group,
            requests: announces,
            duration: duration
        )
        let after = try await measure("`GET /healthz` again", options, group: group, requests: health, duration: duration)
        emit(phaseHeader)
        for phase in [before, announced, after] { emit(phase.row) }
        let ceiling = (before.result.rate + after.result.rate) / 2
        emit("")
        emit(
            "Ratio announce ÷ healthz (mean of the two healthz phases): **\(format(announced.result.rate / max(ceiling, 1e-9), 2))×** (target ≥ 0.5×); "
                + "server CPU per request: announce \(format(announced.serverCPU * 1e6 / Double(max(announced.result.responses, 1)), 1)) µs, "
                + "healthz \(format(before.serverCPU * 1e6 / Double(max(before.result.responses, 1)), 1)) µs."
        )
        try await group.shutdownGracefully()
    }

    // MARK: discover

    static func discover(_ options: Options) async throws {
        let sizes = options.ints("sizes", [100, 1000, 10000])
        let duration = options.double("duration", 5)
        let prefix = options.string("prefix", "disc")
        let host = "\(options.host):\(options.httpPort)"
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        let reader = try await mintTokens(for: ["\(prefix)_reader"], secret: options.secret)[0]
        let health = healthz(options)
        _ = try await measure("warm-up", options, group: group, requests: health, duration: 1)
        let healthPhase = try await measure(
            "healthz",
            options,
            group: group,
            requests: health,
            duration: options.double("healthz-duration", duration)
        )
        emit(
            """
            | devices in network | peers returned | response bytes | **req/s** | p50 (ms) | **p99 (ms)** | MB/s | server CPU µs/req | `304` req/s (`If-None-Match`) | `304` p50 (ms) | `304` p99 (ms) | server CPU µs/304 | 200 ÷ healthz | 304 ÷ healthz |
            |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
            """
        )
        for size in sizes {
            let network = "\(prefix)\(size)"
            let tokens = try await mintTokens(for: (0..<size).map { "\(network)_u\($0)" }, secret: options.secret)
            let seeds = announceRequests(users: size, prefix: network, network: { _ in network }, tokens: tokens, host: host)
            let seeded = try await runHTTPLoad(
                group: group,
                host: options.host,
                port: options.httpPort,
                requests: seeds,
                connections: 4,
                depth: 32,
                duration: nil
            )
            guard seeded.count(200) == size else { throw UsageError("seeding \(network) failed: \(seeded.statuses) \(seeded.errors.prefix(3))") }
            let list = [encodeRequest("GET", "/network/\(network)/peers", host: host, token: reader)]
            _ = try await measure("warm-up", options, group: group, requests: list, duration: 1)
            let full = try await measure("peers", options, group: group, requests: list, duration: duration, capture: true)
            guard full.result.non2xx == 0, full.result.errors.isEmpty else {
                throw UsageError("GET peers failed: \(full.result.statuses) \(full.result.errors.prefix(3))")
            }
            let body = full.result.firstBody.map { String(buffer: $0) } ?? ""
            let peers = body.components(separatedBy: "\"deviceId\"").count - 1
            let bytes = full.result.responses > 0 ? full.result.bodyBytes / full.result.responses : 0
            var cells = [
                "\(size)", "\(peers)", "\(bytes)", format(full.result.rate, 0), format(LatencySummary(full.result.latenciesMicros).p50, 2),
                format(LatencySummary(full.result.latenciesMicros).p99, 2), format(Double(full.result.bodyBytes) / full.result.elapsed / 1e6, 0),
                format(full.serverCPU * 1e6 / Double(max(full.result.responses, 1)), 0),
            ]
            if let etag = full.result.firstETag {
                let conditional = [encodeRequest("GET", "/network/\(network)/peers", host: host, token: reader, headers: [("If-None-Match", etag)])]
                let cached = try await measure("304", options, group: group, requests: conditional, duration: duration)
                let summary = LatencySummary(cached.result.latenciesMicros)
                cells += [
                    "\(format(cached.result.rate, 0)) (\(cached.result.count(304)) × 304)", format(summary.p50, 2), format(summary.p99, 2),
                    format(cached.serverCPU * 1e6 / Double(max(cached.result.responses, 1)), 0),
                    format(full.result.rate / healthPhase.result.rate, 3), format(cached.result.rate / healthPhase.result.rate, 2),
                ]
            } else {
                cells += ["no ETag", "–", "–", "–", format(full.result.rate / healthPhase.result.rate, 3), "–"]
            }
            emit("| " + cells.joined(separator: " | ") + " |")
        }
        emit("")
        emit(
            "`GET /healthz` in the same run: \(format(healthPhase.result.rate, 0)) req/s, p99 \(format(LatencySummary(healthPhase.result.latenciesMicros).p99, 2)) ms."
        )
        try await group.shutdownGracefully()
    }
}
