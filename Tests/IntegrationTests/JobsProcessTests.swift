import Foundation
import Testing

/// The scheduled jobs in a real `registry serve` process, and `registry jobs run`.
@Suite struct JobsProcessTests {
    static let secret = "test-secret-test-secret-test-secret"

    @Test func serverElectsTwoCoordinatorsAndSweepsSilentDevices() async throws {
        let server = try RegistryProcess(
            ["serve"],
            environment: [
                "JWT_SECRET": Self.secret, "PORT": "0", "SIGNALING_PORT": "0", "HOST": "127.0.0.1",
                "DEVICE_TTL_MINUTES": "0.05", "PRESENCE_CLEANUP_INTERVAL": "500", "COORDINATOR_CHECK_INTERVAL": "500",
            ]
        )
        defer { server.terminate() }
        let port = try await server.waitForOutput(matching: RegistryProcess.httpListeningPattern)
        let minted = try await RegistryProcess.run(["token", "--user", "alice"], environment: ["JWT_SECRET": Self.secret])
        try #require(minted.status == 0, "\(minted.stderr)")
        let headers = [
            "Authorization": "Bearer \(minted.stdout.trimmingCharacters(in: .whitespacesAndNewlines))", "Content-Type": "application/json",
        ]
        let base = "http://127.0.0.1:\(port)/network/net1"

        for (peerId, capabilities) in [("peer_store", #"["store"]"#), ("peer_relay", #"["relay"]"#), ("peer_none", "[]")] {
            let body = #"{"peerId":"\#(peerId)","signalAddress":"wss://signal.example.com/\#(peerId)","capabilities":\#(capabilities)}"#
            let reply = try await HTTP.request("POST", "\(base)/announce", body: Data(body.utf8), headers: headers)
            #expect(reply.status == 200, "\(reply.body)")
        }
        let announced = ContinuousClock.now

        // Within 2 s the election (every 500 ms) promotes exactly the two capable devices.
        var coordinators: Set<String> = []
        while announced.duration(to: .now) < .seconds(2) {
            let peers = try await Self.peers(base, headers: headers)
            coordinators = Set(peers.filter { $0["isCoordinator"] as? Bool == true }.compactMap { $0["deviceId"] as? String })
            if coordinators.count >= 2 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(coordinators == ["peer_store", "peer_relay"])

        // No more announcements: after the 3 s online window the peers list is empty and the sweep marks all three offline.
        var remaining = -1
        while announced.duration(to: .now) < .seconds(10) {
            remaining = try await Self.peers(base, headers: headers).count
            if remaining == 0 && Self.sweptDevices(server.text.stderr + server.text.stdout) >= 3 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(remaining == 0)
        #expect(Self.sweptDevices(server.text.stderr + server.text.stdout) == 3)

        // The offline user's fallback names the elected coordinators.
        let fallback = try await HTTP.request("GET", "\(base)/peer/alice", headers: headers)
        #expect(fallback.json?["online"] as? Bool == false)
        #expect(Set(fallback.json?["lastCoordinators"] as? [String] ?? []) == ["peer_store", "peer_relay"])

        server.terminate()
        #expect(try await server.waitForExit(timeout: 15) == 0)
        #expect((server.text.stderr + server.text.stdout).contains("job run finished"))
    }

    @Test func jobsRunAsksTheRunningInstanceAndPrintsItsResult() async throws {
        let socket = Self.temporarySocketPath()
        let server = try RegistryProcess(
            ["serve", "--control-socket", socket],
            environment: ["JWT_SECRET": Self.secret, "PORT": "0", "SIGNALING_PORT": "0", "HOST": "127.0.0.1"]
        )
        defer { server.terminate() }
        let port = try await server.waitForOutput(matching: RegistryProcess.httpListeningPattern)
        let instance = try await server.waitForOutput(matching: #""event":"starting".*"instance":"([^"]+)""#)
        _ = try await server.waitForOutput(matching: #""event":"(control socket listening)""#)
        let headers = try await Self.headers()
        let base = "http://127.0.0.1:\(port)/network/net1"
        for peerId in ["peer_store", "peer_relay", "peer_third"] {
            let body = #"{"peerId":"\#(peerId)","signalAddress":"wss://signal.example.com/\#(peerId)","capabilities":["store"]}"#
            let reply = try await HTTP.request("POST", "\(base)/announce", body: Data(body.utf8), headers: headers)
            #expect(reply.status == 200, "\(reply.body)")
        }

        // The default schedule (every 5 minutes) has not run yet: the election seen is the one the command asked for.
        let election = try await RegistryProcess.run(
            ["jobs", "run", "coordinatorElection", "--control-socket", socket],
            environment: ["JWT_SECRET": Self.secret]
        )
        #expect(election.status == 0, "\(election.stderr)")
        #expect(election.stdout.hasPrefix("coordinatorElection: changed 2 ("), "\(election.stdout)")
        #expect(election.stdout.contains("networks=1"), "\(election.stdout)")
        #expect(election.stdout.contains("on instance \(instance)"), "\(election.stdout)")
        let coordinators = try await Self.peers(base, headers: headers).filter { $0["isCoordinator"] as? Bool == true }
        #expect(coordinators.count == 2)
        // The job's log line reaches the server's stdout pipe after the command's answer: waited for.
        _ = try await server.waitForOutput(matching: #""trigger":"(manual)""#)

        // A second run finds nothing to do, on the same instance.
        let again = try await RegistryProcess.run(
            ["jobs", "run", "coordinatorElection", "--control-socket", socket],
            environment: ["JWT_SECRET": Self.secret]
        )
        #expect(again.stdout.hasPrefix("coordinatorElection: changed 0"), "\(again.stdout) \(again.stderr)")

        // A token signed with another secret is refused by the instance.
        let forged = try await RegistryProcess.run(
            ["jobs", "run", "presenceSweep", "--control-socket", socket],
            environment: ["JWT_SECRET": "another-secret-another-secret-another"]
        )
        #expect(forged.status == 1)
        #expect(forged.stderr.contains("Invalid authentication token"), "\(forged.stderr)")
        #expect(forged.stdout.isEmpty)

        server.terminate()
        #expect(try await server.waitForExit(timeout: 15) == 0)
        #expect(!FileManager.default.fileExists(atPath: socket), "the control socket is removed on exit")
    }

    @Test func jobsRunWithoutARunningInstanceSaysSoAndRunsNothing() async throws {
        let socket = Self.temporarySocketPath()
        let outcome = try await RegistryProcess.run(
            ["jobs", "run", "presenceSweep", "--control-socket", socket],
            environment: ["JWT_SECRET": Self.secret]
        )
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("error: no running registry instance at \(socket)"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("The job was not run."))
        #expect(outcome.stdout.isEmpty)

        // A file left behind by a killed server is not an instance either.
        let file = URL(fileURLWithPath: socket)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data().write(to: file)
        defer { try? FileManager.default.removeItem(atPath: socket) }
        try await Self.expectNoInstance(at: socket)
    }

    @Test func aControlSocketInADirectoryOthersCanWriteIsRefusedAndTheServerRunsOn() async throws {
        let socket = Self.temporarySocketPath()
        let directory = (socket as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory)  // umask
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try RegistryProcess(
            ["serve", "--control-socket", socket],
            environment: ["JWT_SECRET": Self.secret, "PORT": "0", "SIGNALING_PORT": "0", "HOST": "127.0.0.1"]
        )
        defer { server.terminate() }
        _ = try await server.waitForOutput(matching: #""event":"(control socket unavailable: its directory is not private)""#)
        let port = try await server.waitForOutput(matching: RegistryProcess.httpListeningPattern)
        #expect(try await HTTP.request("GET", "http://127.0.0.1:\(port)/healthz").status == 200)
        try await Self.expectNoInstance(at: socket)
    }

    /// `registry jobs run` through `socket` finds no instance: it says so and exits 1.
    static func expectNoInstance(at socket: String) async throws {
        let outcome = try await RegistryProcess.run(
            ["jobs", "run", "presenceSweep", "--control-socket", socket],
            environment: ["JWT_SECRET": Self.secret]
        )
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("no running registry instance"), "\(outcome.stderr)")
    }

    @Test func jobsRunOfAnUnknownJobListsTheKnownOnes() async throws {
        let outcome = try await RegistryProcess.run(["jobs", "run", "presenceSweeps"])
        #expect(outcome.status == 1)
        #expect(
            outcome.stderr.contains("error: unknown job 'presenceSweeps'; known jobs: presenceSweep, coordinatorElection, metricsRefresh"),
            "\(outcome.stderr)"
        )
        #expect(outcome.stdout.isEmpty)
    }

    @Test func jobsRunOnMongoDBAlsoGoesThroughTheInstanceAndNeverPrintsThePassword() async throws {
        let outcome = try await RegistryProcess.run(
            ["jobs", "run", "presenceSweep", "--control-socket", Self.temporarySocketPath()],
            environment: ["MONGODB_URI": "mongodb://ops:hunter2@127.0.0.1:1/test?serverSelectionTimeoutMS=300", "JWT_SECRET": Self.secret]
        )
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("no running registry instance"), "\(outcome.stderr)")
        #expect(!(outcome.stdout + outcome.stderr).contains("hunter2"))
    }

    /// A socket path in a fresh temporary directory (short enough for `sun_path`).
    static func temporarySocketPath() -> String {
        "/tmp/registry-test-\(UUID().uuidString.prefix(8))/control.sock"
    }

    /// Headers with a token for alice.
    static func headers() async throws -> [String: String] {
        let minted = try await RegistryProcess.run(["token", "--user", "alice"], environment: ["JWT_SECRET": Self.secret])
        try #require(minted.status == 0, "\(minted.stderr)")
        return ["Authorization": "Bearer \(minted.stdout.trimmingCharacters(in: .whitespacesAndNewlines))", "Content-Type": "application/json"]
    }

    /// The devices of `peers`.
    static func peers(_ base: String, headers: [String: String]) async throws -> [[String: Any]] {
        let reply = try await HTTP.request("GET", "\(base)/peers", headers: headers)
        return reply.json?["peers"] as? [[String: Any]] ?? []
    }

    /// The devices the sweep reported offline in the server's JSON log (`"event":"marked devices offline"` with `"devices":"N"`).
    static func sweptDevices(_ log: String) -> Int {
        log.split(separator: "\n").filter { $0.contains("marked devices offline") }.reduce(0) { total, line in
            guard let match = line.firstMatch(of: /"devices":"([0-9]+)"/), let count = Int(match.1) else { return total }
            return total + count
        }
    }
}
