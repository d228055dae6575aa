import Foundation
import Testing

/// The `registry` binary as operators run it: check, routes, serve, SIGTERM.
@Suite(.serialized) struct CommandLineTests {
    /// A copy of the shipped YAML files in a temporary directory, with `edit` applied to one of them.
    static func configCopy(file: String? = nil, replacing target: String = "", with replacement: String = "") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("registry-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in ["routes.yaml", "limits.yaml", "jobs.yaml"] {
            var text = try String(contentsOf: RegistryProcess.packageRoot.appendingPathComponent(name), encoding: .utf8)
            if name == file {
                let range = try #require(text.range(of: target), "\(target) not found in \(name)")
                text.replaceSubrange(range, with: replacement)
            }
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory.path
    }

    @Test func checkAcceptsTheShippedFilesAndPrintsResolvedValues() async throws {
        let outcome = try await RegistryProcess.run(["check"], environment: ["RATE_LIMIT_MAX_REQUESTS": "5"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("announce: { window: 1m, max: 5, key: user"))
        #expect(outcome.stdout.contains("# configuration valid"))
    }

    @Test(arguments: [
        ("routes.yaml", "handler: announce", "handler: anounce", "unknown handler 'anounce'"),
        ("jobs.yaml", "${PRESENCE_CLEANUP_INTERVAL:-300000}ms", "5 minutes", "duration '5 minutes'"),
        ("limits.yaml", "  maxBodySize:", "  maxBodySise:", "unknown key 'maxBodySise'"),
        ("routes.yaml", "{ string: true, matches: '^peer_[a-zA-Z0-9_]+$'", "{ string: true, matches: '^peer_[a-z(+$'", "invalid regular expression"),
    ])
    func checkRejectsABrokenFileNamingFileAndLine(file: String, target: String, replacement: String, message: String) async throws {
        let directory = try Self.configCopy(file: file, replacing: target, with: replacement)
        let outcome = try await RegistryProcess.run(["check", "--config-dir", directory])
        #expect(outcome.status == 1)
        let line = try #require(outcome.stderr.split(separator: "\n").first { $0.contains(message) })
        #expect(try Regex("^\(file):[0-9]+:[0-9]+: error: ").firstMatch(in: String(line)) != nil, "\(line)")
    }

    @Test func routesPrintsTheTable() async throws {
        let outcome = try await RegistryProcess.run(["routes"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("POST    /network/:networkId/announce"))
        #expect(outcome.stdout.contains("WS      /signaling/:deviceId"))
    }

    @Test func serveAnswersHealthAndJSON404ThenStopsCleanlyOnSIGTERM() async throws {
        let server = try RegistryProcess(
            ["serve"],
            environment: [
                "JWT_SECRET": "test-secret-test-secret-test-secret", "PORT": "0", "SIGNALING_PORT": "0", "HOST": "127.0.0.1",
            ]
        )
        let port = try await server.waitForOutput(matching: RegistryProcess.httpListeningPattern)
        let health = try await HTTP.request("GET", "http://127.0.0.1:\(port)/healthz")
        #expect(health.status == 200)
        #expect(health.json?["status"] as? String == "ok")
        let missing = try await HTTP.request("GET", "http://127.0.0.1:\(port)/no/such/path")
        #expect(missing.status == 404)
        #expect(missing.json?["error"] as? String == "Not found: GET /no/such/path")
        server.terminate()
        #expect(try await server.waitForExit(timeout: 15) == 0)
    }

    @Test func serveRefusesToStartWithoutAJWTSecret() async throws {
        let outcome = try await RegistryProcess.run(["serve"], environment: ["PORT": "0", "SIGNALING_PORT": "0"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("JWT_SECRET is not set"))
        #expect(!outcome.stdout.contains("listening"))
    }

    @Test func serveWithABadConfigExitsBeforeBindingAPort() async throws {
        let directory = try Self.configCopy(file: "routes.yaml", replacing: "handler: peers", with: "handler: peerz")
        let outcome = try await RegistryProcess.run(
            ["serve", "--config-dir", directory],
            environment: [
                "JWT_SECRET": "test-secret-test-secret-test-secret", "PORT": "0",
            ]
        )
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("routes.yaml:"))
        #expect(outcome.stderr.contains("did you mean 'peers'?"))
        #expect(!(outcome.stdout + outcome.stderr).contains("listening"))
    }
}
