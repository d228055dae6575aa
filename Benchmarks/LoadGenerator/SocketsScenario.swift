import Foundation
import NIOCore
import NIOPosix

/// `sockets`: N idle signaling sockets held open with pings, opened by several generator processes (one process
/// may hold at most 20000 files). The parent measures the server; each child opens its share.
enum SocketsScenario {
    static func runParent(_ options: Options) async throws {
        let count = options.int("count", 1000)
        let perProcess = options.int("per-process", 7500)
        let processes = max(1, options.int("processes", (count + perProcess - 1) / perProcess))
        let hold = options.double("hold", 60)
        let sourceBase = options.int("source-base", 0)
        guard let pid = options.serverPid else { throw UsageError("--server-pid is required") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loadgen-sockets-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let rssBefore = ProcessProbe.rssKiB(pid) ?? 0
        let cpuBefore = ProcessProbe.cpuSeconds(pid) ?? 0
        let startAt = wallNanos() + 3_000_000_000
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var children: [Process] = []
        var reports: [URL] = []
        for child in 0..<processes {
            let share = count / processes + (child < count % processes ? 1 : 0)
            let offset = (0..<child).reduce(0) { $0 + count / processes + ($1 < count % processes ? 1 : 0) }
            let report = directory.appendingPathComponent("child-\(child)")
            reports.append(report)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            var arguments = [
                "sockets-child", "--count", "\(share)", "--offset", "\(offset)", "--start-at", "\(startAt)", "--hold", "\(hold)",
                "--report", report.path, "--host", options.host, "--ws-port", "\(options.wsPort)", "--secret", options.secret,
                "--threads", "\(options.threads)", "--window", "\(options.int("window", 512))", "--prefix", options.string("prefix", "sock"),
            ]
            if sourceBase > 0 { arguments += ["--sources", "127.0.0.\(sourceBase + child)"] }
            process.arguments = arguments
            try process.run()
            children.append(process)
        }

        func lines() -> [[String]] {
            reports.map { url in
                ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            }
        }
        func waitFor(_ prefix: String, timeout: Double) async throws -> [[String]] {
            let limit = Date().addingTimeInterval(timeout)
            while Date() < limit {
                let all = lines()
                if all.allSatisfy({ $0.contains { $0.hasPrefix(prefix) } }) {
                    return all.map { $0.first { $0.hasPrefix(prefix) }!.split(separator: " ").map(String.init) }
                }
                if children.contains(where: { !$0.isRunning && $0.terminationStatus != 0 }) { throw UsageError("a sockets child failed") }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw UsageError("timed out waiting for '\(prefix)' from the sockets children")
        }

        let connectedLines = try await waitFor("connected", timeout: 180)
        let cpuConnected = ProcessProbe.cpuSeconds(pid) ?? 0
        var connected = 0
        var failed = 0
        var first = UInt64.max
        var last = UInt64(0)
        var failures: [String] = []
        for fields in connectedLines {
            connected += Int(fields[1]) ?? 0
            failed += Int(fields[2]) ?? 0
            first = min(first, UInt64(fields[3]) ?? .max)
            last = max(last, UInt64(fields[4]) ?? 0)
            if fields.count > 5 { failures.append(fields[5...].joined(separator: " ")) }
        }
        let connectSeconds = Double(last &- first) / 1e9
        // Let the server finish the claims and presence refreshes that follow each upgrade.
        try await Task.sleep(for: .seconds(min(3, hold / 4)))
        let rssConnected = ProcessProbe.rssKiB(pid) ?? 0
        let cpuHoldStart = ProcessProbe.cpuSeconds(pid) ?? 0
        let holdStart = Date()
        try await Task.sleep(for: .seconds(max(1, hold * 0.8 - min(3, hold / 4))))
        let rssHeld = ProcessProbe.rssKiB(pid) ?? 0
        let cpuHold = (ProcessProbe.cpuSeconds(pid) ?? 0) - cpuHoldStart
        let holdSeconds = Date().timeIntervalSince(holdStart)
        let fds = ProcessProbe.openFiles(pid) ?? 0
        let heldLines = try await waitFor("held", timeout: hold + 120)
        var open = 0
        var pings = 0
        for fields in heldLines {
            open += Int(fields[1]) ?? 0
            pings += Int(fields[2]) ?? 0
        }
        while children.contains(where: \.isRunning) { try await Task.sleep(for: .milliseconds(50)) }

        let perSocket = connected > 0 ? Double(max(rssHeld, rssConnected) - rssBefore) / Double(connected) : 0
        let row = [
            "\(count)", "\(processes)", "\(connected)", "\(failed)", format(connectSeconds, 2),
            format(Double(connected) / max(connectSeconds, 1e-9), 0),
            format(Double(rssBefore) / 1024), format(Double(max(rssHeld, rssConnected)) / 1024), format(perSocket, 2),
            format((cpuConnected - cpuBefore) * 1e6 / Double(max(connected, 1)), 0), format(cpuHold / holdSeconds * 100, 1), "\(open)", "\(pings)",
            "\(fds)",
        ]
        emit("| " + row.joined(separator: " | ") + " |")
        if !failures.isEmpty { log("connect failures: \(failures.joined(separator: "; "))") }
    }

    static let header = """
        | sockets | generator processes | connected | failed | connect time (s) | connects/s | server RSS before (MiB) | server RSS held (MiB) | **server KiB/socket** | server CPU µs/connect | server CPU while holding (% of a core) | open at end of hold | pings answered | server open files |
        |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
        """

    static func runChild(_ options: Options) async throws {
        let count = options.int("count", 1000)
        let offset = options.int("offset", 0)
        let prefix = options.string("prefix", "sock")
        let report = options.string("report", "/dev/stdout")
        let users = (0..<count).map { "\(prefix)_u\(offset + $0)" }
        let devices = (0..<count).map { "peer_\(prefix)_\(offset + $0)" }
        let tokens = try await mintTokens(for: users, secret: options.secret)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        let pool = SocketPool(group: group, deviceIds: devices, tokens: tokens)
        let startAt = UInt64(options.string("start-at", "0")) ?? 0
        let now = wallNanos()
        if startAt > now {
            try await Task.sleep(for: .nanoseconds(Int64(startAt - now)))
        } else if startAt > 0 {
            log("child started late by \(Double(now - startAt) / 1e6) ms")
        }
        let opened = await pool.openAll(
            host: options.host,
            port: options.wsPort,
            pathPrefix: options.string("path", "/signaling"),
            sources: options.sources,
            perSource: options.perSource,
            window: options.int("window", 512)
        )
        let failureText = opened.failures.map { "\($0.value)x \($0.key)" }.joined(separator: "; ")
        try append("connected \(opened.connected) \(opened.failed) \(opened.firstStart) \(opened.lastDone) \(failureText)\n", to: report)
        try await Task.sleep(for: .seconds(options.double("hold", 60)))
        let census = try await pool.census()
        try append("held \(census.open) \(census.pings) \(census.closeCodes)\n", to: report)
        try await pool.closeAll()
        try await Task.sleep(for: .milliseconds(500))
        try await group.shutdownGracefully()
    }

    private static func append(_ line: String, to path: String) throws {
        if path == "/dev/stdout" {
            emit(line.trimmingCharacters(in: .newlines))
            return
        }
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
        try handle.close()
    }
}
