import Foundation
import Testing

/// What `check`, `serve` and `token` print when the files are missing or broken, and `registry --version`.
@Suite struct ConfigErrorsProcessTests {
    static let secret = "test-secret-test-secret-test-secret"

    /// An empty temporary directory.
    static func emptyDirectory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("registry-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.path
    }

    @Test(arguments: ["check", "serve", "routes"])
    func aDirectoryWithoutTheFilesIsReportedFirstWithAHintAndNothingThatFollows(command: String) async throws {
        let directory = try Self.emptyDirectory()
        let outcome = try await RegistryProcess.run([command, "--config-dir", directory], environment: ["JWT_SECRET": Self.secret, "PORT": "0"])
        #expect(outcome.status == 1)
        let lines = outcome.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == "configuration invalid: 2 errors", "\(outcome.stderr)")
        #expect(lines.dropFirst().first == "limits.yaml: error: cannot read \(directory)/limits.yaml (no such file)", "\(outcome.stderr)")
        #expect(lines.dropFirst(2).first == "routes.yaml: error: cannot read \(directory)/routes.yaml (no such file)", "\(outcome.stderr)")
        #expect(outcome.stderr.contains("hint: the configuration files are read from \(directory)"))
        #expect(outcome.stderr.contains("--config-dir"))
        #expect(!outcome.stderr.contains("missing TTL"), "\(outcome.stderr)")
        #expect(!outcome.stdout.contains("listening"))
    }

    @Test func aSyntaxErrorInJobsDoesNotHideAnUnknownRateLimitInRoutes() async throws {
        let directory = try CommandLineTests.configCopy(file: "routes.yaml", replacing: "rateLimit: announce", with: "rateLimit: anounce")
        let jobs = URL(fileURLWithPath: directory).appendingPathComponent("jobs.yaml")
        try "jobs:\n  presenceSweep: [unclosed\n".write(to: jobs, atomically: true, encoding: .utf8)
        let outcome = try await RegistryProcess.run(["check", "--config-dir", directory])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.hasPrefix("configuration invalid: 2 errors"), "\(outcome.stderr)")
        #expect(try Regex("jobs.yaml:[0-9]+:[0-9]+: error: invalid YAML").firstMatch(in: outcome.stderr) != nil, "\(outcome.stderr)")
        #expect(try Regex("routes.yaml:[0-9]+:[0-9]+: error: unknown rate limit 'anounce'").firstMatch(in: outcome.stderr) != nil)
        #expect(!outcome.stderr.contains("hint:"))
    }

    @Test func tokenNeedsOnlyTheSecretWhenTheFilesAreAbsent() async throws {
        let directory = try Self.emptyDirectory()
        let outcome = try await RegistryProcess.run(
            ["token", "--user", "alice", "--config-dir", directory],
            environment: ["JWT_SECRET": Self.secret]
        )
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let parts = outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".")
        #expect(parts.count == 3)
        let payload = try #require(Data(base64Encoded: Self.padded(String(parts[1]))))
        let claims = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        #expect(claims["sub"] as? String == "alice")

        let without = try await RegistryProcess.run(["token", "--user", "alice", "--config-dir", directory])
        #expect(without.status == 1)
        #expect(without.stderr.contains("JWT_SECRET is not set"))
        #expect(without.stdout.isEmpty)
    }

    @Test func versionPrintsTheVersionAndBuild() async throws {
        let outcome = try await RegistryProcess.run(["--version"])
        #expect(outcome.status == 0)
        #expect(
            try Regex(#"^registry [0-9]+\.[0-9]+\.[0-9]+ \(build [^ ,]+, Swift [0-9.+-]+\)\n$"#).wholeMatch(in: outcome.stdout) != nil,
            "\(outcome.stdout)"
        )
    }

    /// Base64url to padded base64.
    static func padded(_ text: String) -> String {
        let base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        return base64 + String(repeating: "=", count: (4 - base64.count % 4) % 4)
    }
}
