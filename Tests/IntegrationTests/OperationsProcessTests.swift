import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Operating `registry serve`: pids for SIGHUP with several instances, configuration warnings as JSON events, the
/// build in `/readyz` and `/metrics`, one request id per event, and every event named in the README.
@Suite struct OperationsProcessTests {
    static let secret = "test-secret-test-secret-test-secret"
    static let environment = ["JWT_SECRET": secret, "PORT": "0", "SIGNALING_PORT": "0", "HOST": "127.0.0.1"]

    /// The fields of each JSON line of `text`.
    static func events(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    @Test func sighupFromThePidFileReloadsThatInstanceAmongSeveral() async throws {
        let directories = try [CommandLineTests.configCopy(), CommandLineTests.configCopy()]
        let pidFiles = directories.map { $0 + "/registry.pid" }
        let servers = try zip(directories, pidFiles).map { directory, pidFile in
            try RegistryProcess(["serve", "--config-dir", directory, "--pid-file", pidFile], environment: Self.environment)
        }
        defer { for server in servers { server.terminate() } }
        var ports: [String] = []
        for (server, pidFile) in zip(servers, pidFiles) {
            ports.append(try await server.waitForOutput(matching: RegistryProcess.httpListeningPattern))
            let logged = try await server.waitForOutput(matching: #""event":"starting".*"pid":"([0-9]+)""#)
            let written = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(written == "\(server.process.processIdentifier)")
            #expect(logged == written)
        }

        // The second instance's limits.yaml changes; the README's command, kill -HUP "$(cat FILE)", reloads that one.
        try ReloadProcessTests.edit(URL(fileURLWithPath: directories[1] + "/limits.yaml"), "${RATE_LIMIT_MAX_REQUESTS:-12}", "5")
        let pid = try #require(Int32(try String(contentsOfFile: pidFiles[1], encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, SIGHUP) == 0)
        _ = try await ReloadProcessTests.waitForConfigVersion(2, port: ports[1])
        let other = try await HTTP.request("GET", "http://127.0.0.1:\(ports[0])/readyz")
        #expect((other.json?["config"] as? [String: Any])?["version"] as? Int == 1)

        for server in servers {
            server.terminate()
            #expect(try await server.waitForExit(timeout: 15) == 0)
        }
        #expect(pidFiles.allSatisfy { !FileManager.default.fileExists(atPath: $0) }, "pid files are removed on exit")
    }

    @Test func configurationWarningsAreJSONEventsInTheLog() async throws {
        // Without jobs.yaml the server runs with no jobs and warns. (A JWT secret under 32 bytes warns too, but debug
        // builds of JWTKit assert on such a key, so the test uses this warning.)
        let directory = try CommandLineTests.configCopy()
        try FileManager.default.removeItem(atPath: directory + "/jobs.yaml")
        let server = try RegistryProcess(["serve", "--config-dir", directory], environment: Self.environment)
        defer { server.terminate() }
        _ = try await server.waitForOutput(matching: RegistryProcess.httpListeningPattern)
        server.terminate()
        #expect(try await server.waitForExit(timeout: 15) == 0)
        let (stdout, stderr) = server.text
        #expect(!stderr.contains("warning"), "\(stderr)")
        let lines = stdout.split(separator: "\n")
        #expect(Self.events(stdout).count == lines.count, "every line is JSON: \(stdout)")
        let warning = try #require(Self.events(stdout).first { $0["event"] as? String == "configuration warning" })
        #expect(warning["level"] as? String == "warning")
        let data = try #require(warning["data"] as? [String: String])
        #expect(data["file"] == "jobs.yaml")
        #expect(data["message"] == "cannot read \(directory)/jobs.yaml (no such file); using defaults")
    }

    @Test func readyzAndMetricsNameTheBuildAndEveryEventIsListedInTheReadme() async throws {
        let version = try await RegistryProcess.run(["--version"])
        let match = try #require(try Regex(#"^registry ([^ ]+) \(build ([^,]+), Swift ([^)]+)\)"#).firstMatch(in: version.stdout))
        let (number, build, swift) = (String(match[1].substring ?? ""), String(match[2].substring ?? ""), String(match[3].substring ?? ""))
        let server = try RegistryProcess(["serve"], environment: Self.environment.merging(["METRICS_PUBLIC": "true"]) { _, new in new })
        defer { server.terminate() }
        let port = try await server.waitForOutput(matching: RegistryProcess.httpListeningPattern)

        let ready = try await HTTP.request("GET", "http://127.0.0.1:\(port)/readyz")
        #expect(ready.json?["version"] as? String == number)
        #expect(ready.json?["build"] as? String == build)
        #expect(ready.json?["status"] as? String == "ready")
        let metrics = try await HTTP.request("GET", "http://127.0.0.1:\(port)/metrics")
        #expect(metrics.body.contains(#"build_info{version="\#(number)",build="\#(build)",swift="\#(swift)"} 1"#), "\(metrics.body.prefix(2000))")
        let headers = try await JobsProcessTests.headers().merging(["X-Request-Id": "ops-probe-1"]) { _, new in new }
        let peers = try await HTTP.request("GET", "http://127.0.0.1:\(port)/network/net1/peers", headers: headers)
        #expect(peers.status == 200)
        _ = try await server.waitForOutput(matching: #""event":"(http request)""#)
        server.terminate()
        #expect(try await server.waitForExit(timeout: 15) == 0)

        let stdout = server.text.stdout
        #expect(!stdout.contains("hb.request.id"))
        let events = Self.events(stdout)
        #expect(events.contains { $0["requestId"] as? String == "ops-probe-1" })
        #expect(events.contains { $0["event"] as? String == "stopped" })
        let listed = try Self.readmeLoggedEvents()
        for event in events {
            let name = try #require(event["event"] as? String)
            let isListed = listed.contains { $0 == name || ($0.hasSuffix("…") && name.hasPrefix($0.dropLast())) }
            #expect(isListed, "event '\(name)' (source \(event["source"] ?? "registry")) is not listed in README's JSON logs section")
        }
    }

    /// Every `code` span of the README's "JSON logs" section.
    static func readmeLoggedEvents() throws -> Set<String> {
        let readme = try String(contentsOf: RegistryProcess.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "### JSON logs"))
        let rest = readme[start.upperBound...]
        let section = rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)]
        let prose = section.split(separator: "\n").filter { !$0.hasPrefix("```") }.joined(separator: "\n")
        return Set(prose.matches(of: /`([^`]+)`/).map { String($0.1) })
    }
}
