import DocumentStore
import Foundation
import P2PRegistry
import ServerConfig
import ServerEngine
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Live reload (what SIGHUP does) on a running registry with real sockets: new limits apply to the next
/// request, open sockets stay open, and an invalid edit changes nothing.
@Suite(.serialized) struct LiveReloadTests {
    /// The tests count requests within one rate-limit window.
    static let environment = LiveRegistry.oneDayRateLimitWindow

    /// A copy of the shipped YAML files in a directory of its own, and a loader for it with the variables
    /// `LiveRegistry.start` uses.
    struct ConfigCopy {
        let directory: URL

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for file in ["routes.yaml", "limits.yaml", "jobs.yaml"] {
                try FileManager.default.copyItem(
                    at: RegistryHarness.packageRoot.appendingPathComponent(file),
                    to: directory.appendingPathComponent(file)
                )
            }
        }

        /// Replaces `old` with `new` in limits.yaml.
        func editLimits(_ old: String, _ new: String) throws {
            try edit("limits.yaml", old, new)
        }

        /// Replaces `old` with `new` in `file`.
        func edit(_ file: String, _ old: String, _ new: String) throws {
            let url = directory.appendingPathComponent(file)
            let text = try String(contentsOf: url, encoding: .utf8)
            guard text.contains(old) else { throw TestFailure("\(file) has no '\(old)'") }
            try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
        }

        var loader: ConfigLoader {
            var handlers = HandlerRegistry()
            RegistryHandlers.register(into: &handlers)
            return ConfigLoader(
                directory: directory.path,
                environment: LiveRegistry.baseEnvironment.merging(LiveReloadTests.environment) { _, new in new },
                catalog: handlers.catalog
            )
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    /// The announce route's `RateLimit-Limit` header and status for one request by `token`.
    static func announce(_ registry: LiveRegistry, token: String) async throws -> (status: Int, limit: String?) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(registry.httpPort)/network/net1/announce")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"peerId":"peer_a","signalAddress":"wss://signal.example.com/a","capabilities":["relay"]}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        return (http?.statusCode ?? 0, http?.value(forHTTPHeaderField: "RateLimit-Limit"))
    }

    @Test(arguments: RegistryBackend.all) func newRateLimitAppliesAndOpenSocketsStayOpen(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(environment: Self.environment, backend: backend)
        try await stopping(registry) {
            let copy = try ConfigCopy()
            defer { copy.remove() }
            let (a, b) = try await SignalingRelayTests.pair(registry)
            let alice = try await registry.token("alice")
            // pair() announced once as alice: this is her second request of the window.
            #expect(try await Self.announce(registry, token: alice) == (200, "12"))
            let readyBefore = try await registry.http("GET", "/readyz", token: nil).json["config"] as? [String: Any]
            #expect(readyBefore?["version"] as? Int == 1)

            try copy.editLimits("RATE_LIMIT_MAX_REQUESTS:-12}", "RATE_LIMIT_MAX_REQUESTS:-3}")
            let outcome = registry.engine.reloadConfiguration(loader: copy.loader)
            guard case .applied(let reload, let version) = outcome else { throw TestFailure("reload not applied: \(outcome)") }
            #expect(version.number == 2)
            #expect(reload.applied.count == 1)
            #expect(reload.applied.first?.hasPrefix("rateLimits.announce:") == true)
            #expect(reload.needsRestart.isEmpty, "\(reload.needsRestart)")

            // The third request of the window is the last one the new limit allows.
            #expect(try await Self.announce(registry, token: alice) == (200, "3"))
            #expect(try await Self.announce(registry, token: alice) == (429, "3"))
            // The sockets opened before the reload still relay.
            a.signal("offer", to: "peer_b", data: #"{"sdp":"after reload"}"#)
            let atB = try await b.waitForFrames(2)
            #expect((atB.last?["data"] as? [String: Any])?["sdp"] as? String == "after reload")
            let readyAfter = try await registry.http("GET", "/readyz", token: nil).json["config"] as? [String: Any]
            #expect(readyAfter?["version"] as? Int == 2)
            #expect(readyAfter?["digest"] as? String == registry.engine.configuration.digest)
            #expect(readyAfter?["digest"] as? String != readyBefore?["digest"] as? String)
        }
    }

    @Test(arguments: RegistryBackend.all) func invalidEditIsRefusedAndTheOldLimitStays(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(environment: Self.environment, backend: backend)
        try await stopping(registry) {
            let copy = try ConfigCopy()
            defer { copy.remove() }
            let alice = try await registry.token("alice")
            let digest = registry.engine.configuration.digest

            try copy.editLimits("RATE_LIMIT_MAX_REQUESTS:-12}", "RATE_LIMIT_MAX_REQUESTS:-three}")
            let outcome = registry.engine.reloadConfiguration(loader: copy.loader)
            guard case .rejected(let error, let version) = outcome else { throw TestFailure("invalid edit not refused: \(outcome)") }
            #expect(version.number == 1)
            #expect(error.description.contains("limits.yaml:"), "\(error.description)")
            #expect(error.description.contains("rateLimits.announce.max"), "\(error.description)")

            #expect(try await Self.announce(registry, token: alice) == (200, "12"))
            #expect(registry.engine.configuration.digest == digest)
            let ready = try await registry.http("GET", "/readyz", token: nil).json["config"] as? [String: Any]
            #expect(ready?["version"] as? Int == 1)
            let metrics = registry.engine.services.metrics.exposition()
            #expect(metrics.contains(#"config_reloads_total{outcome="rejected"} 1"#), "\(metrics)")
        }
    }

    @Test func routeEditsAreReportedAndNotApplied() async throws {
        let registry = try await LiveRegistry.start(environment: Self.environment)
        try await stopping(registry) {
            let copy = try ConfigCopy()
            defer { copy.remove() }
            let routes = copy.directory.appendingPathComponent("routes.yaml")
            let text = try String(contentsOf: routes, encoding: .utf8)
            try text.replacingOccurrences(of: "/network/:networkId/peers", with: "/network/:networkId/members")
                .write(to: routes, atomically: true, encoding: .utf8)
            try copy.editLimits("pingInterval: ${SIGNALING_PING_INTERVAL:-30s}", "pingInterval: 10s")

            let outcome = registry.engine.reloadConfiguration(loader: copy.loader)
            guard case .unchanged(let reload, let version) = outcome else { throw TestFailure("expected nothing applied: \(outcome)") }
            #expect(version.number == 1)
            #expect(reload.needsRestart.contains { $0.hasPrefix("limits.yaml websocket.pingInterval: 30s → 10s") }, "\(reload.needsRestart)")
            #expect(reload.needsRestart.contains { $0.hasPrefix("routes.yaml routes") }, "\(reload.needsRestart)")
            // The old route still answers.
            let alice = try await registry.token("alice")
            #expect(try await registry.http("GET", "/network/net1/peers", token: alice).status == 200)
            #expect(try await registry.http("GET", "/network/net1/members", token: alice).status == 404)
        }
    }
}
