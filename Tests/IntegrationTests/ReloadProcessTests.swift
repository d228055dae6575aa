import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP on a running `registry serve`: limits.yaml edits apply without a restart, open sockets stay open,
/// an invalid edit is refused and the old values stay. On both stores.
@Suite(.serialized) struct ReloadProcessTests {
    enum Backend: String, CaseIterable, Sendable {
        case embedded
        case mongodb
    }

    /// A copy of the shipped YAML files the test may edit.
    static func configCopy() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reload-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for file in ["routes.yaml", "limits.yaml", "jobs.yaml"] {
            try FileManager.default.copyItem(at: RegistryProcess.packageRoot.appendingPathComponent(file), to: directory.appendingPathComponent(file))
        }
        return directory
    }

    static func edit(_ file: URL, _ old: String, _ new: String) throws {
        let text = try String(contentsOf: file, encoding: .utf8)
        try #require(text.contains(old), "\(file.lastPathComponent) has no '\(old)'")
        try text.replacingOccurrences(of: old, with: new).write(to: file, atomically: true, encoding: .utf8)
    }

    /// The environment of a server on free local ports with the tests' JWT secret.
    static let localEnvironment = ["JWT_SECRET": MongoProcessTests.secret, "PORT": "0", "SIGNALING_PORT": "0", "HOST": "127.0.0.1"]

    /// `registry serve` on the files in `directory`, once it listens, has armed SIGHUP and serves configuration
    /// version 1, and its HTTP port. The caller terminates it.
    static func startServer(
        directory: URL,
        environment: [String: String] = localEnvironment
    ) async throws -> (server: RegistryProcess, port: String) {
        let server = try RegistryProcess(["serve", "--config-dir", directory.path], environment: environment)
        do {
            let port = try await server.waitForOutput(matching: RegistryProcess.httpListeningPattern)
            _ = try await server.waitForOutput(matching: #""event":"(configuration reload armed)"#)
            _ = try await waitForConfigVersion(1, port: port)
            return (server, port)
        } catch {
            server.terminate()
            throw error
        }
    }

    /// `GET /readyz`'s `config.version`, polled until it is `version` (or 10 s pass).
    static func waitForConfigVersion(_ version: Int, port: String) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(10)
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            if let reply = try? await HTTP.request("GET", "http://127.0.0.1:\(port)/readyz"), let config = reply.json?["config"] as? [String: Any] {
                last = config
                if config["version"] as? Int == version { return config }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RegistryProcess.ProcessFailure(message: "config version \(version) not reached; /readyz config: \(last)")
    }

    @Test(arguments: Backend.allCases) func sighupAppliesANewRateLimitKeepsSocketsAndRefusesAnInvalidEdit(backend: Backend) async throws {
        let directory = try Self.configCopy()
        defer { try? FileManager.default.removeItem(at: directory) }
        let limits = directory.appendingPathComponent("limits.yaml")
        // The test counts requests within one rate-limit window.
        let window = MongoProcessTests.oneDayRateLimitWindow
        var environment = Self.localEnvironment.merging(window) { _, new in new }
        if backend == .mongodb {
            environment = try await MongoProcessTests.environment(database: MongoProcessTests.uniqueDatabase(), extra: window)
        }
        let (server, port) = try await Self.startServer(directory: directory, environment: environment)
        defer { server.terminate() }
        let signalingPort = try await server.waitForOutput(matching: #""event":"signaling listening".*"port":"([0-9]+)""#)
        let initial = try await Self.waitForConfigVersion(1, port: port)

        let token = try await MongoProcessTests.token("alice")
        let headers = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
        let announce = {
            try await HTTP.request(
                "POST",
                "http://127.0.0.1:\(port)/network/net1/announce",
                body: Data(#"{"peerId":"peer_alice_1","signalAddress":"wss://signal.example.com/a","capabilities":["relay"]}"#.utf8),
                headers: headers
            )
        }
        let first = try await announce()
        #expect(first.status == 200, "\(first.body)")
        #expect(first.headers["ratelimit-limit"] == "12")

        let socket = try await RawSignalingSocket.connect(port: Int(signalingPort) ?? 0, path: "/signaling/peer_alice_1", token: token)
        // A message to itself is refused with an error frame: proof the socket is served.
        try await socket.send(#"{"type":"offer","toPeerId":"peer_alice_1","data":{}}"#)
        #expect(try await socket.receiveText().contains("invalid_message"))

        try Self.edit(limits, "RATE_LIMIT_MAX_REQUESTS:-12}", "RATE_LIMIT_MAX_REQUESTS:-3}")
        kill(server.process.processIdentifier, SIGHUP)
        let reloaded = try await Self.waitForConfigVersion(2, port: port)
        #expect(reloaded["digest"] as? String != initial["digest"] as? String)
        let second = try await announce()
        #expect(second.status == 200)
        #expect(second.headers["ratelimit-limit"] == "3")
        #expect(try await announce().status == 200)
        let refused = try await announce()
        #expect(refused.status == 429)
        #expect(refused.json?["error"] as? String == "Too many presence announcements")
        // The socket opened before the reload is still served.
        try await socket.send(#"{"type":"offer","toPeerId":"peer_alice_1","data":{}}"#)
        #expect(try await socket.receiveText().contains("invalid_message"))
        // The reload's log line comes just after the version moves (the OpenAPI document is generated in between).
        _ = try await server.waitForOutput(matching: #""event":"(configuration reloaded)""#)

        // An invalid edit is refused: the log names the file and key, the old limit stays.
        try Self.edit(limits, "RATE_LIMIT_MAX_REQUESTS:-3}", "RATE_LIMIT_MAX_REQUESTS:-three}")
        kill(server.process.processIdentifier, SIGHUP)
        let rejection = try await server.waitForOutput(matching: #""event":"configuration reload rejected[^"]*".*(limits.yaml:[0-9]+:[0-9]+)"#)
        #expect(!rejection.isEmpty)
        #expect(server.text.stdout.contains("rateLimits.announce.max"))
        let after = try await Self.waitForConfigVersion(2, port: port)
        #expect(after["digest"] as? String == reloaded["digest"] as? String)
        let stillRefused = try await announce()
        #expect(stillRefused.status == 429)
        #expect(stillRefused.headers["ratelimit-limit"] == "3")
        try await socket.send(#"{"type":"offer","toPeerId":"peer_alice_1","data":{}}"#)
        #expect(try await socket.receiveText().contains("invalid_message"))

        socket.disconnect()
        server.terminate()
        #expect(try await server.waitForExit(timeout: 15) == 0)
    }
}
