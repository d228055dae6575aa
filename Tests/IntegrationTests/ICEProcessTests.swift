import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The `registry` binary with `STUN_URLS`, `TURN_URLS` and `TURN_SECRET`: `registry check` prints the `ice:` section
/// with the secret redacted, `serve` hands out credentials at `GET /network/:networkId/ice-servers`, and SIGHUP applies
/// an edited `ice:`; the secret is in no output of either command.
@Suite(.serialized) struct ICEProcessTests {
    static let secret = "process-turn-secret-0123456789abcdef"
    static let environment = [
        "JWT_SECRET": MongoProcessTests.secret, "PORT": "0", "SIGNALING_PORT": "0", "HOST": "127.0.0.1",
        "STUN_URLS": "stun:127.0.0.1:3478", "TURN_URLS": "turn:127.0.0.1:3478?transport=udp", "TURN_SECRET": secret,
    ]

    @Test func checkPrintsTheICESectionRedactedAndReportsABadURLAtItsLine() async throws {
        let outcome = try await RegistryProcess.run(["check"], environment: Self.environment)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(
            outcome.stdout.contains(
                "ice: { stunUrls: [stun:127.0.0.1:3478], turnUrls: [turn:127.0.0.1:3478?transport=udp], turnSecret: <set, 36 bytes>, credentialTtl: 10m }"
            ),
            "\(outcome.stdout)"
        )
        #expect(outcome.stdout.contains("- GET /network/:networkId/ice-servers -> iceServers (auth: jwt, rateLimit: iceServers, network: networkId)"))
        #expect(!(outcome.stdout + outcome.stderr).contains(Self.secret))

        var broken = Self.environment
        broken["TURN_URLS"] = "turn://127.0.0.1:3478"
        let refused = try await RegistryProcess.run(["check"], environment: broken)
        #expect(refused.status == 1)
        let routes = try String(contentsOf: RegistryProcess.packageRoot.appendingPathComponent("routes.yaml"), encoding: .utf8)
        let line = (routes.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("turnUrls:") } ?? -1) + 1
        #expect(refused.stderr.contains("routes.yaml:\(line):"), "\(refused.stderr)")
        #expect(refused.stderr.contains("invalid TURN URL: 'turn://127.0.0.1:3478' has '//' after its scheme"), "\(refused.stderr)")
        #expect(refused.stderr.contains("(ice.turnUrls)"), "\(refused.stderr)")
        #expect(!(refused.stdout + refused.stderr).contains(Self.secret))
    }

    @Test func serveHandsOutCredentialsAndSighupAppliesAnEditedICESection() async throws {
        let directory = try ReloadProcessTests.configCopy()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try RegistryProcess(["serve", "--config-dir", directory.path], environment: Self.environment)
        defer { server.terminate() }
        let port = try await server.waitForOutput(matching: RegistryProcess.httpListeningPattern)
        _ = try await server.waitForOutput(matching: #""event":"(configuration reload armed)"#)
        _ = try await ReloadProcessTests.waitForConfigVersion(1, port: port)
        let token = try await MongoProcessTests.token("alice")
        let url = "http://127.0.0.1:\(port)/network/net1/ice-servers"

        let before = try await HTTP.request("GET", url, headers: ["Authorization": "Bearer \(token)"])
        #expect(before.status == 200, "\(before.body)")
        #expect(before.headers["cache-control"] == "no-store")
        let servers = before.json?["iceServers"] as? [[String: Any]] ?? []
        #expect(servers.count == 2, "\(before.body)")
        #expect(servers.first?["urls"] as? [String] == ["stun:127.0.0.1:3478"])
        #expect((servers.last?["username"] as? String)?.hasSuffix(":alice") == true, "\(before.body)")
        #expect(before.json?["ttl"] as? Int == 600)
        #expect(try await HTTP.request("GET", url).status == 401)

        try ReloadProcessTests.edit(directory.appendingPathComponent("routes.yaml"), "credentialTtl: 10m", "credentialTtl: 1m")
        kill(server.process.processIdentifier, SIGHUP)
        _ = try await ReloadProcessTests.waitForConfigVersion(2, port: port)
        let after = try await HTTP.request("GET", url, headers: ["Authorization": "Bearer \(token)"])
        #expect(after.json?["ttl"] as? Int == 60, "\(after.body)")

        server.terminate()
        #expect(try await server.waitForExit(timeout: 20) == 0)
        let output = server.text.stdout + server.text.stderr
        #expect(output.contains("ice.credentialTtl: 10m → 1m"), "the reload log lists the change: \(output)")
        #expect(!output.contains(Self.secret), "the secret is in the server's output")
    }
}
