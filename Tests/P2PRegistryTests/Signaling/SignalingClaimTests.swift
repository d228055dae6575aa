import DocumentStore
import Foundation
import HummingbirdWSClient
import NIOWebSocket
import Testing

/// Who may use a device over the signaling socket: only an announce makes a user a device's owner, and a token's
/// `networks` claim must grant the device's network, at connect and after every announce.
@Suite(.serialized) struct SignalingClaimTests {
    /// Connecting to device ids nobody has announced claims none of them: no document is written, one user at a time
    /// holds such a socket, and the user who announces the id owns it (the other user's socket is closed).
    @Test(arguments: RegistryBackend.all) func connectingToAnUnannouncedDeviceClaimsNothing(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let bob = try await registry.token("bob")
            let mallory = try await registry.token("mallory")
            var squatted: [TestSocket] = []
            for index in 0..<8 {  // maxConnectionsPerUser is 10
                let socket = TestSocket.connect(registry, deviceId: "peer_future\(index)", token: mallory)
                try await socket.ready()
                squatted.append(socket)
            }
            #expect(try await registry.store.collection("devices").count([:]) == 0)
            let intruder = try await RawWebSocket.firstClose(
                port: registry.webSocketPort,
                path: "/signaling/peer_future3",
                headers: ["Authorization": "Bearer \(bob)"]
            )
            #expect(intruder == RawWebSocket.Close(code: 1008, reason: "Device is in use by another user"))
            // The victim announces the id: it is theirs, and the squatter's socket on it is closed.
            #expect(try await registry.announce("net1", peerId: "peer_future3", token: bob) == 200)
            let evicted = try await squatted[3].closeFrame()
            #expect(evicted?.closeCode == .policyViolation)
            #expect(evicted?.reason == "Device belongs to another user")
            let again = try await RawWebSocket.firstClose(
                port: registry.webSocketPort,
                path: "/signaling/peer_future3",
                headers: ["Authorization": "Bearer \(mallory)"]
            )
            #expect(again == RawWebSocket.Close(code: 1008, reason: "Device belongs to another user"))
            let owner = TestSocket.connect(registry, deviceId: "peer_future3", token: bob)
            try await owner.ready()
            #expect(try await registry.store.collection("devices").findOne(["deviceId": "peer_future3"])?["userId"] == "bob")
        }
    }

    /// A token limited to other networks cannot connect as a device announced in a network it does not grant, even
    /// the user's own.
    @Test(arguments: RegistryBackend.all) func aTokenConnectsOnlyToDevicesInItsNetworks(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let bob = try await registry.token("bob")
            let bobNetX = try await registry.token("bob", networks: ["netX"])
            #expect(try await registry.announce("net1", peerId: "peer_b", token: bob) == 200)
            let close = try await RawWebSocket.firstClose(
                port: registry.webSocketPort,
                path: "/signaling/peer_b",
                headers: ["Authorization": "Bearer \(bobNetX)"]
            )
            #expect(close == RawWebSocket.Close(code: 1008, reason: "Token does not grant access to network net1"))
            let granted = TestSocket.connect(registry, deviceId: "peer_b", token: try await registry.token("bob", networks: ["net1"]))
            try await granted.ready()
        }
    }

    /// A socket whose token does not grant the network its device is then announced in is closed: it can neither
    /// send nor receive there, and what was sent to the device waits in the queue for a token that grants it.
    @Test(arguments: RegistryBackend.all) func anAnnounceIntoANetworkTheTokenDoesNotGrantClosesTheSocket(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let alice = try await registry.token("alice")
            let bob = try await registry.token("bob")
            let bobNetX = try await registry.token("bob", networks: ["netX"])
            let limited = TestSocket.connect(registry, deviceId: "peer_b", token: bobNetX)
            try await limited.ready()
            #expect(try await registry.announce("net1", peerId: "peer_b", token: bob) == 200)
            let close = try await limited.closeFrame()
            #expect(close?.closeCode == .policyViolation)
            #expect(close?.reason == "Token does not grant access to network net1")
            #expect(try await registry.announce("net1", peerId: "peer_a", token: alice) == 200)
            let a = TestSocket.connect(registry, deviceId: "peer_a", token: alice)
            try await a.ready()
            a.signal("offer", to: "peer_b", data: #"{"n":"for net1 only"}"#)
            let deadline = ContinuousClock.now + TestSocket.patience
            var queued: [String] = []
            while queued.isEmpty, ContinuousClock.now < deadline {
                queued = try await registry.drainIds("peer_b", token: bob)
                if queued.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(queued == ["for net1 only"])
            #expect(limited.frames.allSatisfy { $0["fromPeerId"] == nil })
        }
    }

    /// Messages to a peer outside the sender's network are refused one by one (a correct client hits this when a
    /// peer moves network), and never close the sender's socket, however many there are.
    @Test(arguments: RegistryBackend.all) func notInNetworkRefusalsNeverCloseTheSocket(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let (a, b) = try await SignalingRelayTests.pair(registry)
            #expect(try await registry.announce("net2", peerId: "peer_c", token: try await registry.token("carol")) == 200)
            let refusals = 25  // more than maxInvalidMessages (10)
            for index in 0..<refusals { a.signal("ice-candidate", to: "peer_c", data: #"{"n":\#(index)}"#) }
            let frames = try await a.waitForFrames(1 + refusals)
            #expect(frames.suffix(refusals).allSatisfy { $0["code"] as? String == "not_in_network" })
            a.signal("offer", to: "peer_b", data: #"{"still":"open"}"#)
            #expect((try await b.waitForFrames(2).last?["data"] as? [String: Any])?["still"] as? String == "open")
        }
    }

    /// Keys MongoDB cannot store (empty, or with NUL) inside `data` are an `invalid_message` error frame on both stores,
    /// whether the message would be relayed live or queued, and nothing is stored.
    @Test(arguments: RegistryBackend.all) func unstorableKeysInDataAreInvalidMessages(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let (a, _) = try await SignalingRelayTests.pair(registry)
            #expect(try await registry.announce("net1", peerId: "peer_c", token: try await registry.token("carol")) == 200)
            let payloads = [#"{"":1}"#, #"{"a\u0000b":1}"#, #"{"ok":{"":"nested"}}"#, #"[{"\u0000":1}]"#]
            var sent = 0
            for recipient in ["peer_b", "peer_c"] {  // live, and queued (peer_c is not connected)
                for payload in payloads {
                    a.signal("offer", to: recipient, data: payload)
                    sent += 1
                    let frames = try await a.waitForFrames(1 + sent)
                    #expect(frames.last?["code"] as? String == "invalid_message", "\(payload) to \(recipient)")
                }
            }
            #expect(try await registry.store.collection("signaling_channels").count([:]) == 0)
            a.signal("offer", to: "peer_c", data: #"{"n":"kept"}"#)
            let deadline = ContinuousClock.now + TestSocket.patience
            while try await registry.store.collection("signaling_channels").count([:]) == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await registry.store.collection("signaling_channels").count([:]) == 1)
        }
    }
}
