import DocumentStore
import Foundation
import NetworkTestSupport
import ServerConfig
import ServerEngine
import Testing

/// Per-IP bounds behind a trusted reverse proxy, through the real listeners: the test's connections come from
/// 127.0.0.1, which plays the proxy (`TRUSTED_PROXIES=127.0.0.1/32`) and says who the client is in
/// `X-Forwarded-For`. The same scenario with real nginx and distinct client addresses is Tests/e2e/test_proxy.py.
@Suite(.serialized) struct TrustedProxyTests {
    static let proxy = ["TRUSTED_PROXIES": "127.0.0.1/32"]
    static let clientA = "203.0.113.7"
    static let clientB = "198.51.100.9"

    static func announceBody(_ peerId: String) -> String {
        #"{"peerId":"\#(peerId)","signalAddress":"wss://signal.example.com/\#(peerId)"}"#
    }

    /// A signaling socket through "the proxy" for `client`; nil when its upgrade is refused.
    static func open(_ registry: LiveRegistry, device: String, token: String, forwardedFor: String) async throws -> IdleWebSocket {
        try await IdleWebSocket.open(
            port: registry.webSocketPort,
            path: "/signaling/\(device)",
            headers: ["Authorization": "Bearer \(token)", "X-Forwarded-For": forwardedFor]
        )
    }

    @Test func aSocketFromATrustedProxyIsCountedUnderItsClientFromTheUpgradeAndReleasedOnClose() async throws {
        let registry = try await LiveRegistry.start(environment: Self.proxy, limits: { $0.webSocket.maxConnectionsPerIP = 1 })
        try await stopping(registry) {
            let admission = registry.engine.webSockets.admission
            var tokens: [String] = []
            for user in ["alice", "bob", "carol", "dave"] {
                let token = try await registry.token(user)
                try await registry.announce("net1", peerId: "peer_\(user)", token: token)
                tokens.append(token)
            }
            // Client A's one socket, through the proxy: counted under A, not under the proxy's address.
            var sockets: [IdleWebSocket] = [try await Self.open(registry, device: "peer_alice", token: tokens[0], forwardedFor: Self.clientA)]
            #expect(admission.openCount(ip: Self.clientA) == 1)
            #expect(admission.openCount(ip: "127.0.0.1") == 0)
            // A second socket of A is refused as over the per-IP cap, also when A prepends a spoofed address.
            for forwardedFor in [Self.clientA, "9.9.9.9, \(Self.clientA)"] {
                let close = try await RawWebSocket.firstClose(
                    port: registry.webSocketPort,
                    path: "/signaling/peer_bob",
                    headers: ["Authorization": "Bearer \(tokens[1])", "X-Forwarded-For": forwardedFor]
                )
                #expect(close == RawWebSocket.Close(code: 1008, reason: "Too many open connections from this address"))
            }
            // Client B, through the same proxy, is not refused because A is at its cap.
            sockets.append(try await Self.open(registry, device: "peer_carol", token: tokens[2], forwardedFor: Self.clientB))
            #expect(admission.openCount(ip: Self.clientB) == 1)
            try await SignalingRelayTests.waitUntil { admission.openCount(ip: Self.clientA) == 1 && admission.openCount == 2 }
            let metrics = try await MetricsScrape.scrape(registry)
            #expect(metrics[#"websocket_limit_rejections_total{limit="maxConnectionsPerIP"}"#] == 2)
            // Closing gives every place back, per client and for the process.
            sockets.removeAll()
            try await SignalingRelayTests.waitUntil {
                admission.openCount == 0 && admission.openCount(ip: Self.clientA) == 0 && admission.openCount(ip: Self.clientB) == 0
            }
            // And A connects again.
            let again = try await Self.open(registry, device: "peer_dave", token: tokens[3], forwardedFor: Self.clientA)
            withExtendedLifetime(again) { #expect(admission.openCount(ip: Self.clientA) == 1) }
        }
    }

    @Test func aRefusedOrUnupgradedProxiedConnectionLeavesNoCountBehind() async throws {
        let registry = try await LiveRegistry.start(environment: Self.proxy, limits: { $0.webSocket.maxConnectionsPerIP = 1 })
        try await stopping(registry) {
            let admission = registry.engine.webSockets.admission
            let alice = try await registry.token("alice")
            try await registry.announce("net1", peerId: "peer_alice", token: alice)
            // A bad token through the proxy: counted under its client at the upgrade, refused with 1008, released.
            let refused = try await RawWebSocket.firstClose(
                port: registry.webSocketPort,
                path: "/signaling/peer_alice",
                headers: ["Authorization": "Bearer not-a-token", "X-Forwarded-For": Self.clientA]
            )
            #expect(refused.code == 1008)
            // A connection that never sends its upgrade request holds only a process place.
            let idle = try await BlockingIO.run { try LoopbackSocket.connect(port: registry.webSocketPort) }
            try await SignalingRelayTests.waitUntil { admission.openCount == 1 }
            withExtendedLifetime(idle) { #expect(admission.openCount(ip: "127.0.0.1") == 0) }
            try await SignalingRelayTests.waitUntil { admission.openCount(ip: Self.clientA) == 0 }
            // A's place is free: its valid socket is admitted.
            let a = try await Self.open(registry, device: "peer_alice", token: alice, forwardedFor: Self.clientA)
            withExtendedLifetime(a) { #expect(admission.openCount(ip: Self.clientA) == 1) }
        }
    }

    @Test func withoutTrustedProxiesTheForwardingHeaderIsIgnoredOnBothPorts() async throws {
        let registry = try await LiveRegistry.start(
            environment: LiveRegistry.oneDayRateLimitWindow.merging(["RATE_LIMIT_MAX_REQUESTS": "2"]) { _, new in new },
            limits: {
                $0.rateLimits["announce"]?.key = .ip
                $0.webSocket.maxConnectionsPerIP = 1
            }
        )
        try await stopping(registry) {
            let admission = registry.engine.webSockets.admission
            // HTTP: every request counts under the peer, whatever address it claims.
            var statuses: [Int] = []
            for (index, claimed) in [Self.clientA, Self.clientB, "9.9.9.9"].enumerated() {
                let token = try await registry.token("user\(index)")
                let reply = try await registry.http(
                    "POST",
                    "/network/net1/announce",
                    token: token,
                    body: Self.announceBody("peer_user\(index)"),
                    headers: ["X-Forwarded-For": claimed]
                )
                statuses.append(reply.status)
            }
            #expect(statuses == [200, 200, 429])
            // Signaling: the socket counts under the peer at accept; a second one is refused there.
            let alice = try await registry.token("alice")
            let a = try await Self.open(registry, device: "peer_alice", token: alice, forwardedFor: Self.clientA)
            #expect(admission.openCount(ip: "127.0.0.1") == 1)
            #expect(admission.openCount(ip: Self.clientA) == 0)
            let close = try await RawWebSocket.firstClose(
                port: registry.webSocketPort,
                path: "/signaling/peer_alice",
                headers: ["Authorization": "Bearer \(alice)", "X-Forwarded-For": Self.clientB]
            )
            withExtendedLifetime(a) { #expect(close == RawWebSocket.Close(code: 1008, reason: "Too many open connections from this address")) }
        }
    }

    @Test func httpPerIPRateLimitsCountTheForwardedClient() async throws {
        let registry = try await LiveRegistry.start(
            environment: Self.proxy.merging(LiveRegistry.oneDayRateLimitWindow) { _, new in new }.merging(["RATE_LIMIT_MAX_REQUESTS": "2"]) {
                _,
                new in new
            },
            limits: { $0.rateLimits["announce"]?.key = .ip }
        )
        func announce(_ user: String, forwardedFor: String?) async throws -> Int {
            let token = try await registry.token(user)
            return try await registry.http(
                "POST",
                "/network/net1/announce",
                token: token,
                body: Self.announceBody("peer_\(user)"),
                headers: forwardedFor.map { ["X-Forwarded-For": $0] } ?? [:]
            ).status
        }
        try await stopping(registry) {
            let fromClientA = [
                try await announce("a1", forwardedFor: Self.clientA),
                try await announce("a2", forwardedFor: Self.clientA),
                try await announce("a3", forwardedFor: Self.clientA),
                try await announce("a4", forwardedFor: "9.9.9.9, \(Self.clientA)"),
            ]
            #expect(fromClientA == [200, 200, 429, 429])
            #expect(try await announce("b1", forwardedFor: Self.clientB) == 200)
            // The proxy's own requests (no header) count under the proxy, apart from its clients.
            #expect(try await announce("p1", forwardedFor: nil) == 200)
        }
    }

    @Test func aReloadOfRoutesYamlStartsTrustingTheProxyForNewConnections() async throws {
        let registry = try await LiveRegistry.start()
        try await stopping(registry) {
            let admission = registry.engine.webSockets.admission
            let alice = try await registry.token("alice")
            let bob = try await registry.token("bob")
            let before = try await Self.open(registry, device: "peer_alice", token: alice, forwardedFor: Self.clientA)
            #expect(admission.openCount(ip: "127.0.0.1") == 1)
            #expect(admission.openCount(ip: Self.clientA) == 0)

            let copy = try LiveReloadTests.ConfigCopy()
            defer { copy.remove() }
            let routes = copy.directory.appendingPathComponent("routes.yaml")
            let text = try String(contentsOf: routes, encoding: .utf8)
            #expect(text.contains("trustedProxies: ${TRUSTED_PROXIES:-}"))
            try text.replacingOccurrences(of: "trustedProxies: ${TRUSTED_PROXIES:-}", with: "trustedProxies: [127.0.0.1/32]")
                .write(to: routes, atomically: true, encoding: .utf8)
            guard case .applied(let reload, _) = registry.engine.reloadConfiguration(loader: copy.loader) else {
                Issue.record("the reload did not apply")
                return
            }
            #expect(reload.applied.contains("http.trustedProxies: [] → [127.0.0.1/32]"), "\(reload.applied)")
            // The next connection is counted under its forwarded client; the open one keeps the address it came with.
            let after = try await Self.open(registry, device: "peer_bob", token: bob, forwardedFor: Self.clientA)
            withExtendedLifetime((before, after)) {
                #expect(admission.openCount(ip: Self.clientA) == 1)
                #expect(admission.openCount(ip: "127.0.0.1") == 1)
            }
        }
    }
}
