import DocumentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct DiscoveryTests {
    @Test(arguments: RegistryBackend.all) func peersListsOnlineDevicesOfTheNetworkWithTheSpecShape(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let alice = try await registry.token("alice")
        let bob = try await registry.token("bob")
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_a", token: alice, capabilities: ["relay", "store"])
            registry.clock.advance(by: 1)
            try await client.announce("net1", peerId: "peer_b", token: bob, capabilities: ["coordinator"])
            try await client.announce("net2", peerId: "peer_c", token: bob)
            let response = try await client.get("/network/net1/peers", token: alice)
            #expect(response.status == .ok)
            let peers = try #require(response.json["peers"] as? [[String: Any]])
            #expect(peers.map { $0["deviceId"] as? String } == ["peer_b", "peer_a"])
            let first = try #require(peers.first)
            #expect(Set(first.keys) == ["userId", "deviceId", "signalAddress", "capabilities", "isCoordinator", "lastSeen"])
            #expect(first["userId"] as? String == "bob")
            #expect(first["isCoordinator"] as? Bool == true)
            #expect(first["signalAddress"] as? String == "wss://signal.example.com/peer_b")
            #expect(first["lastSeen"] as? String == "2027-01-15T08:00:01.000Z")
        }
    }

    @Test(arguments: RegistryBackend.all) func devicesSilentLongerThanTheOnlineWindowAreNotListed(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let alice = try await registry.token("alice", ttl: .seconds(7200))
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_a", token: alice)
            registry.clock.advance(by: 9 * 60)
            #expect((try await client.get("/network/net1/peers", token: alice).json["peers"] as? [Any])?.count == 1)
            registry.clock.advance(by: 61)
            #expect((try await client.get("/network/net1/peers", token: alice).json["peers"] as? [Any])?.count == 0)
        }
        // Offline, but the document is retained for the fallback.
        #expect(try await registry.device("peer_a") != nil)
    }

    @Test(arguments: RegistryBackend.all) func onlineWindowFollowsDeviceTTLMinutes(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(environment: ["DEVICE_TTL_MINUTES": "0.05"], backend: backend)
        let alice = try await registry.token("alice")
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_a", token: alice)
            registry.clock.advance(by: 2.9)
            #expect((try await client.get("/network/net1/peers", token: alice).json["peers"] as? [Any])?.count == 1)
            registry.clock.advance(by: 0.2)
            #expect((try await client.get("/network/net1/peers", token: alice).json["peers"] as? [Any])?.count == 0)
        }
    }

    @Test(arguments: RegistryBackend.all) func peerReturnsTheUsersMostRecentlySeenOnlineDevice(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let alice = try await registry.token("alice")
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_old", token: alice)
            registry.clock.advance(by: 30)
            try await client.announce("net1", peerId: "peer_new", token: alice, capabilities: ["store"])
            registry.clock.advance(by: 30)
            try await client.announce("net2", peerId: "peer_other_net", token: alice)
            let response = try await client.get("/network/net1/peer/alice", token: alice)
            #expect(response.status == .ok)
            #expect(response.json["online"] as? Bool == true)
            #expect(response.json["deviceId"] as? String == "peer_new")
            #expect(response.json["capabilities"] as? [String] == ["store"])
            #expect(Set(response.json.keys) == ["online", "deviceId", "signalAddress", "capabilities", "lastSeen"])
        }
    }

    @Test(arguments: RegistryBackend.all) func offlineUserGetsLastSeenAndCoordinatorsOfTheLastHour(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let alice = try await registry.token("alice", ttl: .seconds(10_000))
        let bob = try await registry.token("bob", ttl: .seconds(10_000))
        let aliceSeen = registry.clock.now()
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_alice", token: alice)
            try await client.announce("net1", peerId: "peer_old_coord", token: bob, capabilities: ["coordinator"])
            registry.clock.advance(by: 3000)
            try await client.announce("net1", peerId: "peer_coord", token: bob, capabilities: ["coordinator"])
            try await client.announce("net2", peerId: "peer_coord_elsewhere", token: bob, capabilities: ["coordinator"])
            registry.clock.advance(by: 700)  // alice silent for 3700 s; peer_old_coord seen 3700 s ago
            let response = try await client.get("/network/net1/peer/alice", token: bob)
            #expect(response.status == .ok)
            #expect(response.json["online"] as? Bool == false)
            #expect(response.json["lastSeen"] as? String == ISO8601Format.string(aliceSeen))
            #expect(response.json["lastCoordinators"] as? [String] == ["peer_coord"])
        }
    }

    @Test(arguments: RegistryBackend.all) func unknownUserGetsNullLastSeen(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let alice = try await registry.token("alice")
        try await registry.test { client async throws in
            let response = try await client.get("/network/net1/peer/nobody", token: alice)
            #expect(response.json["online"] as? Bool == false)
            #expect(response.json["lastSeen"] is NSNull)
            #expect(response.json["lastCoordinators"] as? [String] == [])
        }
    }
}

enum ISO8601Format {
    static func string(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
