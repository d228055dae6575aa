import DocumentStore
import Foundation
import MongoStore
import MongoTestSupport
import Testing

/// `registry serve` on MongoDB (mongoeco, or the server in MONGODB_URI), as operators run it.
@Suite(.serialized) struct MongoProcessTests {
    static let secret = "test-secret-test-secret-test-secret"
    /// A one-day rate-limit window, for tests that count requests within one fixed window: a minute-long window would
    /// end in the middle of a slow run and the count would start again.
    static let oneDayRateLimitWindow = ["RATE_LIMIT_WINDOW_MS": "86400000"]

    /// The environment for a server on a fresh database of the test MongoDB.
    static func environment(database: String, extra: [String: String] = [:]) async throws -> [String: String] {
        let endpoint = try await MongoTestServer.shared.endpoint()
        var environment = [
            "JWT_SECRET": secret, "PORT": "0", "SIGNALING_PORT": "0", "HOST": "127.0.0.1",
            "MONGODB_URI": endpoint.uri, "MONGODB_DB_NAME": database,
        ]
        environment.merge(extra) { _, new in new }
        return environment
    }

    static func uniqueDatabase() -> String { "registry_process_" + UUID().uuidString.prefix(10).lowercased() }

    static func token(_ user: String) async throws -> String {
        let outcome = try await RegistryProcess.run(["token", "--user", user], environment: ["JWT_SECRET": secret])
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func serveCreatesEverySpecIndexAndDevicesSurviveARestart() async throws {
        let database = Self.uniqueDatabase()
        let environment = try await Self.environment(database: database)
        let token = try await Self.token("alice")
        let first = try RegistryProcess(["serve"], environment: environment)
        let port = try await first.waitForOutput(matching: RegistryProcess.httpListeningPattern)
        #expect((first.text.stdout + first.text.stderr).contains(#""store":"mongodb"#))
        try await Self.waitUntilReady(port: port)
        let body = #"{"peerId":"peer_durable","signalAddress":"wss://s.example.com/peer_durable","capabilities":["store"]}"#
        let announce = try await HTTP.request(
            "POST",
            "http://127.0.0.1:\(port)/network/net1/announce",
            body: Data(body.utf8),
            headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
        )
        #expect(announce.status == 200)

        let endpoint = try await MongoTestServer.shared.endpoint()
        let store = try await MongoStore.connect(uri: endpoint.uri, database: database, logger: MongoTestServer.logger)
        let deviceIndexes = try await store.collection("devices").listIndexes()
        #expect(deviceIndexes.contains { $0.name == "deviceId_1" && $0.unique })
        #expect(deviceIndexes.contains { $0.name == "expiresAt_1" && $0.expireAfterSeconds == 0 })
        #expect(Set(deviceIndexes.map(\.name)).isSuperset(of: ["networkId_1_isOnline_1", "userId_1_networkId_1", "lastSeen_1"]))
        let channelIndexes = try await store.collection("signaling_channels").listIndexes()
        #expect(Set(channelIndexes.map(\.name)).isSuperset(of: ["channelId_1", "participants_1", "expiresAt_1"]))
        #expect(channelIndexes.contains { $0.name == "expiresAt_1" && $0.expireAfterSeconds == 0 })
        try await store.shutdown()

        first.terminate()
        #expect(try await first.waitForExit(timeout: 15) == 0)
        let second = try RegistryProcess(["serve"], environment: environment)
        let secondPort = try await second.waitForOutput(matching: RegistryProcess.httpListeningPattern)
        try await Self.waitUntilReady(port: secondPort)
        let peers = try await HTTP.request("GET", "http://127.0.0.1:\(secondPort)/network/net1/peers", headers: ["Authorization": "Bearer \(token)"])
        #expect((peers.json?["peers"] as? [[String: Any]])?.map { $0["deviceId"] as? String } == ["peer_durable"])
        second.terminate()
        #expect(try await second.waitForExit(timeout: 15) == 0)
    }

    @Test func twoServersOnOneMongoDBRunEachJobTickOnce() async throws {
        let environment = try await Self.environment(
            database: Self.uniqueDatabase(),
            extra: ["PRESENCE_CLEANUP_INTERVAL": "300", "COORDINATOR_CHECK_INTERVAL": "100000"]
        )
        let started = ContinuousClock.now
        let first = try RegistryProcess(["serve"], environment: environment.merging(["REGISTRY_INSTANCE_ID": "one"]) { _, new in new })
        let second = try RegistryProcess(["serve"], environment: environment.merging(["REGISTRY_INSTANCE_ID": "two"]) { _, new in new })
        for server in [first, second] {
            let port = try await server.waitForOutput(matching: RegistryProcess.httpListeningPattern)
            try await Self.waitUntilReady(port: port)
        }
        try await Task.sleep(for: .seconds(3))
        first.terminate()
        second.terminate()
        _ = try await first.waitForExit(timeout: 15)
        _ = try await second.waitForExit(timeout: 15)
        let runs = [first, second].map { server in
            (server.text.stdout + server.text.stderr).split(separator: "\n").filter {
                $0.contains("job run finished") && $0.contains("presenceSweep")
            }.count
        }
        // Together the two instances run each 300 ms tick once, so the total is at most what one instance alone
        // could run while the first was up (start-up on a loaded machine can take a while), not twice that.
        let elapsed = started.duration(to: .now)
        let ticks = Int(elapsed.seconds / 0.3)
        let total = runs.reduce(0, +)
        #expect(total >= 5 && total <= ticks + 1, "runs per instance: \(runs) in \(elapsed)")
    }

    static func waitUntilReady(port: String) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let reply = try? await HTTP.request("GET", "http://127.0.0.1:\(port)/readyz"), reply.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RegistryProcess.ProcessFailure(message: "server on port \(port) not ready within 20 s")
    }
}

/// Start-up while MongoDB is down: the server retries, and says so through /readyz.
@Suite struct MongoStartupTests {
    @Test func serverWaitsForMongoDBAndBecomesReadyWhenItAppears() async throws {
        let port = try RegistryProcess.freePort()
        let environment = [
            "JWT_SECRET": MongoProcessTests.secret, "PORT": "0", "SIGNALING_PORT": "0", "HOST": "127.0.0.1",
            "MONGODB_URI": "mongodb://127.0.0.1:\(port)/?directConnection=true&serverSelectionTimeoutMS=300",
            "MONGODB_DB_NAME": MongoProcessTests.uniqueDatabase(),
        ]
        let server = try RegistryProcess(["serve"], environment: environment)
        let httpPort = try await server.waitForOutput(matching: RegistryProcess.httpListeningPattern)
        _ = try await server.waitForOutput(matching: "(store unreachable); retrying")
        #expect(try await HTTP.request("GET", "http://127.0.0.1:\(httpPort)/healthz").status == 200)
        let notReady = try await HTTP.request("GET", "http://127.0.0.1:\(httpPort)/readyz")
        #expect(notReady.status == 503)
        #expect(notReady.json?["status"] as? String == "starting")
        let token = try await MongoProcessTests.token("alice")
        let peers = try await HTTP.request("GET", "http://127.0.0.1:\(httpPort)/network/net1/peers", headers: ["Authorization": "Bearer \(token)"])
        #expect(peers.status == 503)
        #expect(peers.json?["error"] as? String == "Failed to get network peers")

        // MongoDB (mongoeco) appears on the awaited port: the server connects on its next attempt.
        let mongo = Process()
        mongo.executableURL = RegistryProcess.packageRoot.appendingPathComponent(".venv/bin/python")
        mongo.arguments = [RegistryProcess.packageRoot.appendingPathComponent("scripts/mongoeco_server.py").path, String(port)]
        mongo.standardInput = Pipe()
        mongo.standardOutput = FileHandle.nullDevice
        mongo.standardError = FileHandle.nullDevice
        try mongo.run()
        defer { mongo.terminate() }
        try await MongoProcessTests.waitUntilReady(port: httpPort)
        let after = try await HTTP.request("GET", "http://127.0.0.1:\(httpPort)/network/net1/peers", headers: ["Authorization": "Bearer \(token)"])
        #expect(after.status == 200)
        server.terminate()
        #expect(try await server.waitForExit(timeout: 15) == 0)
    }
}
