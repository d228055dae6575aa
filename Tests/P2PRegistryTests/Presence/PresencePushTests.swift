import DocumentStore
import Foundation
import HummingbirdWSClient
import NIOWebSocket
import ServerConfig
import ServerEngine
import Testing

/// Presence push through the real server: `presence_subscribe` answers with the network's state, then one diff per
/// `presence.diffInterval` tells the joins and leaves. The interval runs on a manual clock: a diff is due only when
/// the test moves it.
@Suite(.serialized) struct PresencePushTests {
    /// A registry on a manual clock with alice's `peer_a` announced in net1, connected and subscribed.
    static func subscribed(
        _ backend: RegistryBackend,
        environment: [String: String] = [:]
    ) async throws -> (LiveRegistry, ManualWallClock, TestSocket, state: [String: Any]) {
        // A date ahead of the real one: MongoDB's TTL monitor runs on real time and must not delete the documents.
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))
        let registry = try await LiveRegistry.start(environment: environment, clock: clock, backend: backend)
        do {
            let alice = try await registry.token("alice")
            #expect(try await registry.announce("net1", peerId: "peer_a", token: alice) == 200)
            let a = TestSocket.connect(registry, deviceId: "peer_a", token: alice)
            try await a.ready()
            return (registry, clock, a, try await a.subscribePresence())
        } catch {
            await registry.stop()
            throw error
        }
    }

    /// The entries of `GET /network/:networkId/peers` for `deviceIds`, in the listing's order.
    static func listed(_ registry: LiveRegistry, _ network: String = "net1", only deviceIds: Set<String>? = nil) async throws -> [[String: Any]] {
        let peers =
            try await registry.http("GET", "/network/\(network)/peers", token: registry.token("alice")).json["peers"] as? [[String: Any]] ?? []
        return peers.filter { deviceIds?.contains($0["deviceId"] as? String ?? "") ?? true }
    }

    @Test(arguments: RegistryBackend.all) func theStateListsWhatGetPeersLists(backend: RegistryBackend) async throws {
        let (registry, clock, _, state) = try await Self.subscribed(backend)
        try await stopping(registry) {
            #expect(state["networkId"] as? String == "net1")
            #expect(state["timestamp"] as? Int == milliseconds(clock.now()))
            #expect(deviceIds(state["peers"]) == ["peer_a"])
            let listed = try await Self.listed(registry)
            #expect(sameJSON(state["peers"], listed))
        }
    }

    @Test(arguments: RegistryBackend.all) func changesWithinAnIntervalComeAsOneDiffOfGetPeersEntries(backend: RegistryBackend) async throws {
        let (registry, clock, a, _) = try await Self.subscribed(backend)
        try await stopping(registry) {
            #expect(try await registry.announce("net1", peerId: "peer_c", token: registry.token("carol"), capabilities: ["store"]) == 200)
            #expect(try await registry.announce("net1", peerId: "peer_b", token: registry.token("bob")) == 200)
            #expect(try await registry.announce("net2", peerId: "peer_x", token: registry.token("xavier")) == 200)  // another network
            clock.advance(by: 1)
            let diff = try await a.frame(ofType: "presence_diff")
            #expect(diff["networkId"] as? String == "net1")
            #expect(deviceIds(diff["joins"]) == ["peer_b", "peer_c"])  // GET peers' order: same lastSeen, then by deviceId
            #expect(sameJSON(diff["joins"], try await Self.listed(registry, only: ["peer_b", "peer_c"])))
            #expect((diff["leaves"] as? [String]) == [])
            #expect(diff["timestamp"] as? Int == milliseconds(clock.now()))

            // A re-announce that changes nothing but lastSeen is no change; a leave and a capability change are.
            #expect(try await registry.announce("net1", peerId: "peer_b", token: registry.token("bob")) == 200)
            #expect(try await registry.http("DELETE", "/network/net1/devices/peer_c", token: registry.token("carol")).status == 200)
            clock.advance(by: 1)
            let second = try await a.frame(ofType: "presence_diff", number: 2)
            #expect(deviceIds(second["joins"]) == [])
            #expect(second["leaves"] as? [String] == ["peer_c"])
            #expect(try await registry.announce("net1", peerId: "peer_b", token: registry.token("bob"), capabilities: ["relay", "store"]) == 200)
            clock.advance(by: 1)
            let third = try await a.frame(ofType: "presence_diff", number: 3)
            #expect(sameJSON(third["joins"], try await Self.listed(registry, only: ["peer_b"])))
            #expect(((third["joins"] as? [[String: Any]])?.first?["capabilities"] as? [String]) == ["relay", "store"])
            // Every diff so far was sent once its interval was up: three moves of the clock, three diffs.
            #expect(a.frames(ofType: "presence_diff").count == 3)
        }
    }

    @Test(arguments: RegistryBackend.all) func aConnectingDeviceJoinsAndOneThatAgesOutLeaves(backend: RegistryBackend) async throws {
        // An online window of one minute: after it, bob's device (announced once, never connected) is offline, while
        // alice's connected device is kept online by its socket.
        let (registry, clock, a, _) = try await Self.subscribed(backend, environment: ["DEVICE_TTL_MINUTES": "1"])
        try await stopping(registry) {
            let bob = try await registry.token("bob")
            #expect(try await registry.announce("net1", peerId: "peer_b", token: bob) == 200)
            clock.advance(by: 1)
            #expect(deviceIds(try await a.frame(ofType: "presence_diff")["joins"]) == ["peer_b"])
            clock.advance(by: 61)
            // Nothing told the registry that peer_b went: the feed finds its lastSeen past the window.
            let leave = try await waitForValue {
                a.frames(ofType: "presence_diff").first { ($0["leaves"] as? [String])?.contains("peer_b") == true }
            }
            #expect(!deviceIds(leave["joins"]).contains("peer_b"))
            // Connecting counts as presence: the device is back, as a join.
            let b = TestSocket.connect(registry, deviceId: "peer_b", token: bob)
            try await b.ready()
            let joinsBefore = a.frames(ofType: "presence_diff").count
            clock.advance(by: 1)
            let back = try await a.frame(ofType: "presence_diff", number: joinsBefore + 1)
            #expect(deviceIds(back["joins"]).contains("peer_b"))
        }
    }

    @Test(arguments: RegistryBackend.all) func aCoordinatorPromotionIsAJoinOfTheNewEntry(backend: RegistryBackend) async throws {
        let (registry, clock, a, _) = try await Self.subscribed(backend)
        try await stopping(registry) {
            let outcome = try await registry.engine.makeJobScheduler(instanceId: "test").runOnce("coordinatorElection")
            #expect(outcome.changed == 1)
            clock.advance(by: 1)
            let diff = try await a.frame(ofType: "presence_diff")
            let entry = try #require((diff["joins"] as? [[String: Any]])?.first)
            #expect(entry["deviceId"] as? String == "peer_a")
            #expect(entry["isCoordinator"] as? Bool == true)
            #expect(sameJSON(diff["joins"], try await Self.listed(registry)))
        }
    }

    @Test(arguments: RegistryBackend.all) func anUnsubscribedSocketGetsNoMoreDiffs(backend: RegistryBackend) async throws {
        let (registry, clock, a, _) = try await Self.subscribed(backend)
        try await stopping(registry) {
            let bob = try await registry.token("bob")
            #expect(try await registry.announce("net1", peerId: "peer_b", token: bob) == 200)
            let b = TestSocket.connect(registry, deviceId: "peer_b", token: bob)
            try await b.ready()
            _ = try await b.subscribePresence()
            a.send(#"{"type":"presence_unsubscribe"}"#)
            try await a.ready()  // the unsubscribe was handled before this round trip ended
            #expect(try await registry.announce("net1", peerId: "peer_c", token: registry.token("carol")) == 200)
            clock.advance(by: 1)
            // The batch that sent bob the join had alice's socket to send to as well, had it been subscribed; a round
            // trip after it, nothing came.
            // (Bob's own device is a join too: the listing the diff is against was read before it was announced.)
            #expect(deviceIds(try await b.frame(ofType: "presence_diff")["joins"]).contains("peer_c"))
            try await a.ready()
            #expect(a.frames(ofType: "presence_diff").isEmpty)
        }
    }

    @Test(arguments: RegistryBackend.all) func theSubscriptionFollowsTheDeviceToAnotherNetworkItsTokenGrants(backend: RegistryBackend) async throws {
        let (registry, _, a, _) = try await Self.subscribed(backend)
        try await stopping(registry) {
            #expect(try await registry.announce("net2", peerId: "peer_x", token: registry.token("xavier")) == 200)
            #expect(try await registry.announce("net2", peerId: "peer_a", token: registry.token("alice")) == 200)
            let state = try await a.frame(ofType: "presence_state", number: 2)
            #expect(state["networkId"] as? String == "net2")
            #expect(Set(deviceIds(state["peers"])) == ["peer_a", "peer_x"])
        }
    }

    /// A subscriber that stops reading falls under its socket's back-pressure like any receiver: once its send buffer
    /// is full (a 1 KiB buffer here, behind the kernel's), the presence frame it cannot take closes it with 1013.
    @Test func aSubscriberThatStopsReadingIsClosedWith1013() async throws {
        let registry = try await LiveRegistry.start(environment: ["SIGNALING_MESSAGE_BURST": "100000", "SIGNALING_MESSAGES_PER_SECOND": "100000"]) {
            $0.webSocket.sendBufferBytes = 1024
            $0.webSocket.messagesPerSecondPerUser = 100_000
        }
        try await stopping(registry) {
            // Fifty devices with long signal addresses: a state of about 50 KiB.
            for index in 0..<50 {
                let address = "wss://signal.example.com/" + String(repeating: "s", count: 900)
                let body = #"{"peerId":"peer_\#(index)","signalAddress":"\#(address)"}"#
                let token = try await registry.token("user\(index)")
                #expect(try await registry.http("POST", "/network/net1/announce", token: token, body: body).status == 200)
            }
            let slow = try await IdleWebSocket.open(
                port: registry.webSocketPort,
                path: "/signaling/peer_0",
                headers: ["Authorization": "Bearer \(try await registry.token("user0"))"]
            )
            // Each subscribe is answered with the state again; unread, they fill the kernel's buffers, then the socket's.
            for _ in 0..<2000 { try await slow.send(#"{"type":"presence_subscribe"}"#) }
            let outcome = try await slow.readUntilClose(timeout: 60)
            #expect(outcome.closeCode == 1013)
            #expect(outcome.texts.allSatisfy { $0.hasPrefix(#"{"type":"presence_state""#) })
            #expect(registry.metric("presence_slow_subscriber_closes_total") == 1)
        }
    }

    @Test func aSubscriptionNeedsAnAnnouncedDevice() async throws {
        let registry = try await LiveRegistry.start()
        try await stopping(registry) {
            let socket = TestSocket.connect(registry, deviceId: "peer_new", token: try await registry.token("alice", networks: ["net1"]))
            try await socket.ready()
            socket.send(#"{"type":"presence_subscribe"}"#)
            let frames = try await socket.waitForFrames(2)
            #expect(frames.last?["code"] as? String == "not_announced")
            #expect(socket.frames(ofType: "presence_state").isEmpty)
        }
    }

    @Test func aSubscriberWhoseDeviceMovesToANetworkItsTokenDoesNotGrantIsClosed() async throws {
        let registry = try await LiveRegistry.start()
        try await stopping(registry) {
            let limited = try await registry.token("alice", networks: ["net1"])
            #expect(try await registry.announce("net1", peerId: "peer_a", token: limited) == 200)
            let a = TestSocket.connect(registry, deviceId: "peer_a", token: limited)
            try await a.ready()
            _ = try await a.subscribePresence()
            #expect(try await registry.announce("net2", peerId: "peer_a", token: registry.token("alice")) == 200)
            let close = try await a.closeFrame()
            #expect(close?.closeCode == .policyViolation)
            #expect(close?.reason == "Token does not grant access to network net2")
            #expect(a.frames(ofType: "presence_state").count == 1)
        }
    }
}
