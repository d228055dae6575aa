import DocumentStore
import Foundation
import HummingbirdWSClient
import Logging
import NIOWebSocket
import P2PRegistry
import ServerConfig
import ServerEngine
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `GET /metrics` after scripted traffic on a live registry: exact counts from that engine's own registry.
@Suite(.serialized) struct MetricsEndpointTests {
    /// A limit of two announces, counted within one window.
    static let environment = LiveRegistry.oneDayRateLimitWindow.merging(["RATE_LIMIT_MAX_REQUESTS": "2", "METRICS_REFRESH_INTERVAL": "1h"]) {
        _,
        new in new
    }

    @Test func scrapeAfterAScriptedScenarioHasExactCounts() async throws {
        let registry = try await LiveRegistry.start(environment: Self.environment)
        try await stopping(registry) {
            let alice = try await registry.token("alice")
            let bob = try await registry.token("bob")
            #expect(try await registry.announce("net1", peerId: "peer_a", token: alice) == 200)
            #expect(try await registry.announce("net1", peerId: "peer_b", token: bob, capabilities: ["store", "coordinator"]) == 200)
            // A 401: a token signed with another secret.
            #expect(try await registry.http("GET", "/network/net1/peers", token: alice + "x").status == 401)
            // Connect, relay one message live, then queue one for the closed socket and drain it over HTTP.
            let a = TestSocket.connect(registry, deviceId: "peer_a", token: alice)
            let b = TestSocket.connect(registry, deviceId: "peer_b", token: bob, viaQuery: true)
            try await a.ready()
            try await b.ready()
            a.signal("offer", to: "peer_b")
            #expect(try await b.waitForFrames(2).count == 2)
            b.close()
            _ = try await MetricsScrape.waitFor(registry) { $0["websocket_connections"] == 1 }
            a.signal("ice-candidate", to: "peer_b")
            _ = try await MetricsScrape.waitFor(registry) { $0["signaling_messages_queued_total"] == 1 }
            #expect((try await registry.http("GET", "/signaling/messages/peer_b", token: bob).json["messages"] as? [Any])?.count == 1)
            // A 429: the third announce of alice within the window (the limit is 2).
            #expect(try await registry.announce("net1", peerId: "peer_a", token: alice) == 200)
            #expect(try await registry.announce("net1", peerId: "peer_a", token: alice) == 429)
            _ = try await registry.engine.makeJobScheduler(instanceId: "test").runOnce("metricsRefresh")

            let metrics = try await MetricsScrape.scrape(registry)
            let announce = #"route="/network/:networkId/announce""#
            let expected: [String: Double] = [
                #"http_requests_total{method="POST",\#(announce),status="2xx"}"#: 3,
                #"http_requests_total{method="POST",\#(announce),status="4xx"}"#: 1,
                #"http_requests_total{method="GET",route="/network/:networkId/peers",status="4xx"}"#: 1,
                #"http_requests_total{method="GET",route="/signaling/messages/:deviceId",status="2xx"}"#: 1,
                #"http_request_duration_seconds_count{method="POST",\#(announce)}"#: 4,
                #"rate_limit_rejections_total{limit="announce"}"#: 1,
                #"auth_failures_total{transport="http"}"#: 1,
                "signaling_messages_total": 2,
                "signaling_messages_delivered_total": 1,
                "signaling_messages_queued_total": 1,
                "signaling_messages_dropped_total": 0,
                "signaling_messages_drained_total": 1,
                // The two readiness probes (a message to oneself) are refused with error frames.
                "signaling_messages_rejected_total": 2,
                "websocket_connections": 1,
                "active_devices": 2,
                "active_networks": 1,
                #"coordinator_count{network="net1"}"#: 1,
                #"job_runs_total{job="metricsRefresh"}"#: 1,
                #"job_failures_total{job="metricsRefresh"}"#: 0,
                #"job_duration_seconds_count{job="metricsRefresh"}"#: 1,
            ]
            for (series, value) in expected.sorted(by: { $0.key < $1.key }) {
                #expect(metrics[series] == value, "\(series)")
            }
            // Store latency: each announce is one findOneAndUpdate on the devices collection (the 429 never reached it).
            #expect(metrics[#"store_operation_duration_seconds_count{backend="memory",operation="findOneAndUpdate"}"#] ?? 0 >= 3)
            #expect(metrics[#"store_operation_duration_seconds_count{backend="memory",operation="find"}"#] ?? 0 >= 1)
            // The engine's own endpoints are exempt from auth, and the scrape does not count validation failures it never saw.
            #expect(metrics.series(of: "validation_failures_total").isEmpty)
            #expect(metrics.text.contains("# TYPE signaling_messages_total counter"))
            #expect(metrics.text.contains("# TYPE http_request_duration_seconds histogram"))
        }
    }

    /// Methods outside the usual seven (HTTP's parser knows some forty, WebDAV's and others) share one `OTHER` label,
    /// so the request series stay few whatever methods clients send.
    @Test func unusualMethodsAreCountedUnderOneLabel() async throws {
        let registry = try await LiveRegistry.start(environment: Self.environment)
        try await stopping(registry) {
            for method in ["PROPFIND", "PURGE", "MKCOL"] { _ = try await registry.http(method, "/network/net1/peers", token: nil) }
            #expect(try await registry.http("GET", "/healthz", token: nil).status == 200)
            let requests = try await MetricsScrape.scrape(registry).series(of: "http_requests_total")
            #expect(requests.filter { $0.key.contains(#"method="OTHER""#) }.values.reduce(0, +) == 3)
            #expect(!requests.keys.contains { $0.contains("PROPFIND") || $0.contains("PURGE") || $0.contains("MKCOL") })
            #expect(requests[#"http_requests_total{method="GET",route="/healthz",status="2xx"}"#] == 1)
        }
    }

    @Test func aValidationFailureAndAWebSocketAuthFailureAreCounted() async throws {
        let registry = try await LiveRegistry.start(environment: Self.environment)
        try await stopping(registry) {
            let alice = try await registry.token("alice")
            let bad = try await registry.http("POST", "/network/net1/announce", token: alice, body: #"{"peerId":"nope","signalAddress":"http://x"}"#)
            #expect(bad.status == 400)
            let socket = TestSocket.connect(registry, deviceId: "peer_a", token: alice + "x", viaQuery: true)
            #expect(try await socket.closeFrame()?.closeCode == .policyViolation)
            let metrics = try await MetricsScrape.waitFor(registry) { $0[#"auth_failures_total{transport="websocket"}"#] == 1 }
            #expect(metrics[#"validation_failures_total{route="/network/:networkId/announce"}"#] == 1, "\(metrics.text)")
            #expect(metrics[#"auth_failures_total{transport="websocket"}"#] == 1, "\(metrics.text)")
            #expect(metrics["websocket_connections"] == 0)
        }
    }

    @Test func fiveHundredNetworksGiveAtMostLimitPlusOneCoordinatorSeries() async throws {
        let registry = try await LiveRegistry.start(environment: Self.environment)
        try await stopping(registry) {
            let devices = registry.store.collection("devices")
            let now = registry.clock.now()
            // Network n_i has i % 3 + 1 online coordinators (1 to 3), 500 networks, 1000 coordinators in all.
            var total = 0
            for network in 0..<500 {
                for index in 0..<(network % 3 + 1) {
                    total += 1
                    _ = try await devices.insertOne([
                        "deviceId": .string("peer_\(network)_\(index)"), "userId": "u", "networkId": .string("n\(network)"),
                        "isOnline": true, "isCoordinator": true, "lastSeen": .date(now), "capabilities": ["store"],
                    ])
                }
            }
            _ = try await registry.engine.makeJobScheduler(instanceId: "test").runOnce("metricsRefresh")
            let metrics = try await MetricsScrape.scrape(registry)
            let series = metrics.series(of: "coordinator_count")
            #expect(series.count == 101)
            #expect(series[#"coordinator_count{network="other"}"#] != nil)
            #expect(series.values.reduce(0, +) == Double(total))
            // The top networks keep their label: every kept network has the maximum, 3 coordinators.
            #expect(series.filter { $0.key != #"coordinator_count{network="other"}"# }.values.allSatisfy { $0 == 3 })
            #expect(metrics["active_networks"] == 500)
            #expect(metrics["active_devices"] == Double(total))
        }
    }

    @Test func theSeriesLimitComesFromLimitsYAML() async throws {
        var environment = Self.environment
        environment["METRICS_MAX_NETWORK_SERIES"] = "2"
        environment["RATE_LIMIT_MAX_REQUESTS"] = "10"
        let registry = try await LiveRegistry.start(environment: environment)
        try await stopping(registry) {
            let alice = try await registry.token("alice")
            for network in ["n1", "n2", "n3", "n4"] {
                #expect(try await registry.announce(network, peerId: "peer_\(network)", token: alice, capabilities: ["coordinator"]) == 200)
            }
            _ = try await registry.engine.makeJobScheduler(instanceId: "test").runOnce("metricsRefresh")
            let series = try await MetricsScrape.scrape(registry).series(of: "coordinator_count")
            #expect(series.count == 3, "\(series)")
            #expect(series[#"coordinator_count{network="other"}"#] == 2)
        }
    }
}

/// `metrics.token` in routes.yaml (`METRICS_TOKEN`) puts `/metrics` behind a bearer token.
@Suite struct MetricsTokenTests {
    @Test func aConfiguredTokenIsRequiredToScrape() async throws {
        let token = "metrics-token-0123456789"
        let registry = try await LiveRegistry.start(environment: ["METRICS_TOKEN": token, "METRICS_PUBLIC": "false"])
        try await stopping(registry) {
            #expect(
                registry.engine.configuration.summary().contains(
                    "metrics: { token: <set, \(token.utf8.count) bytes>, port: <HTTP API port>, host: <HTTP API host>, public: false }"
                )
            )
            #expect(!registry.engine.configuration.summary().contains(token))
            #expect(try await registry.http("GET", "/metrics", token: nil).status == 401)
            #expect(try await registry.http("GET", "/metrics", token: "wrong-token-0123456789xx").status == 401)
            let scraped = try await registry.http("GET", "/metrics", token: token)
            #expect(scraped.status == 200)
            // Health stays open.
            #expect(try await registry.http("GET", "/healthz", token: nil).status == 200)
        }
    }
}

/// Without a token, a port of its own or `metrics.public: true`, `/metrics` on the HTTP API port is refused (issue 19).
@Suite struct MetricsAccessTests {
    @Test func byDefaultMetricsAreRefusedWithHowToEnableThemAndOneStartupNotice() async throws {
        let capture = LogCapture()
        let registry = try await LiveRegistry.start(environment: ["METRICS_PUBLIC": "false"], logger: capture.logger(level: .notice))
        try await stopping(registry) {
            #expect(
                registry.engine.configuration.summary().contains(
                    "metrics: { token: <not set>, port: <HTTP API port>, host: <HTTP API host>, public: false }"
                )
            )
            let refused = try await registry.http("GET", "/metrics", token: nil)
            #expect(refused.status == 403)
            let message = try #require(refused.json["error"] as? String)
            for hint in ["METRICS_TOKEN", "METRICS_PORT", "METRICS_PUBLIC=true"] { #expect(message.contains(hint), "\(message)") }
            #expect(capture.events("metrics are not served: GET /metrics answers 403").count == 1)
            #expect(try await registry.http("GET", "/healthz", token: nil).status == 200)
        }
    }

    @Test func publicMetricsNeedNoToken() async throws {
        let capture = LogCapture()
        let registry = try await LiveRegistry.start(environment: ["METRICS_PUBLIC": "true"], logger: capture.logger(level: .notice))
        try await stopping(registry) {
            let scraped = try await MetricsScrape.scrape(registry)
            #expect(scraped["websocket_connections"] == 0)
            #expect(capture.events("metrics are not served: GET /metrics answers 403").isEmpty)
        }
    }
}

/// `metrics.port` in routes.yaml (`METRICS_PORT`) moves `/metrics` to a listener of its own.
@Suite struct MetricsListenerTests {
    @Test func metricsPortServesMetricsThereAndNotOnTheHTTPPort() async throws {
        var handlers = HandlerRegistry()
        RegistryHandlers.register(into: &handlers)
        let variables = [
            "JWT_SECRET": RegistryHarness.secret, "PORT": "0", "SIGNALING_PORT": "0", "HOST": "127.0.0.1", "METRICS_PORT": "0",
            "METRICS_TOKEN": "metrics-token-0123456789",
        ]
        let config = try ConfigLoader(directory: RegistryHarness.packageRoot.path, environment: variables, catalog: handlers.catalog).load()
        #expect(config.metrics.listener == ListenerConfig(host: "127.0.0.1", port: 0))
        let engine = try await Engine(
            configuration: config,
            handlers: handlers,
            store: MemoryStore(),
            logger: Logger(label: "metrics-listener")
        )
        try await engine.services.prepareStore()
        let ports = Mutex<(http: Int?, metrics: Int?)>((nil, nil))
        let group = try engine.makeServiceGroup(
            instanceId: "test",
            onHTTPRunning: { port in ports.withLock { $0.http = port } },
            onMetricsRunning: { port in ports.withLock { $0.metrics = port } }
        )
        let server = Task { try await group.run() }
        try await withTeardown {
            let deadline = ContinuousClock.now + .seconds(60)
            while ports.withLock({ $0.http == nil || $0.metrics == nil }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            let (http, metrics) = ports.withLock { $0 }
            let httpPort = try #require(http)
            let metricsPort = try #require(metrics)
            #expect(httpPort != metricsPort)
            func get(_ port: Int, _ path: String, token: String? = nil) async throws -> (Int, String) {
                var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
                if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
                let (data, response) = try await URLSession.shared.data(for: request)
                return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
            }
            #expect(try await get(httpPort, "/metrics", token: "metrics-token-0123456789").0 == 404)
            #expect(try await get(metricsPort, "/metrics").0 == 401)
            let scraped = try await get(metricsPort, "/metrics", token: "metrics-token-0123456789")
            #expect(scraped.0 == 200)
            #expect(scraped.1.contains("websocket_connections 0"))
            #expect(try await get(metricsPort, "/healthz").0 == 404)
        } teardown: {
            await group.triggerGracefulShutdown()
            _ = await server.result
        }
    }
}
