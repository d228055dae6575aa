import DocumentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct AnnounceTests {
    @Test(arguments: RegistryBackend.all) func announceStoresTheDeviceAndAnswersSuccess(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            let response = try await client.announce("net1", peerId: "peer_alice_1", token: token, capabilities: ["relay", "store"])
            #expect(response.status == .ok)
            #expect(response.json["success"] as? Bool == true)
        }
        let device = try #require(try await registry.device("peer_alice_1"))
        #expect(device["userId"] == "alice")
        #expect(device["networkId"] == "net1")
        #expect(device["signalAddress"] == "wss://signal.example.com/peer_alice_1")
        #expect(device["capabilities"] == ["relay", "store"])
        #expect(device["isOnline"] == true)
        #expect(device["isCoordinator"] == false)
        #expect(device["lastSeen"]?.dateValue == registry.clock.now())
        #expect(device["createdAt"]?.dateValue == registry.clock.now())
    }

    @Test(arguments: RegistryBackend.all) func documentExpiryIsTheRetentionTTLNotTheOnlineWindow(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let token = try await registry.token("alice")
        try await registry.test { client async throws in _ = try await client.announce("net1", peerId: "peer_a", token: token) }
        let device = try #require(try await registry.device("peer_a"))
        #expect(device["expiresAt"]?.dateValue == registry.clock.now().addingTimeInterval(24 * 3600))
    }

    @Test(arguments: RegistryBackend.all) func reannounceRefreshesLastSeenAndKeepsCreatedAt(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let token = try await registry.token("alice")
        let created = registry.clock.now()
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_a", token: token)
            registry.clock.advance(by: 300)
            try await client.announce("net1", peerId: "peer_a", token: token, capabilities: ["store"])
        }
        let device = try #require(try await registry.device("peer_a"))
        #expect(device["createdAt"]?.dateValue == created)
        #expect(device["lastSeen"]?.dateValue == created.addingTimeInterval(300))
        #expect(device["capabilities"] == ["store"])
        #expect(try await registry.store.collection("devices").count([:]) == 1)
    }

    @Test(arguments: RegistryBackend.all) func anotherUsersAnnounceOfMyDeviceIsForbiddenAndChangesNothing(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let alice = try await registry.token("alice")
        let mallory = try await registry.token("mallory")
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_alice_1", token: alice)
            let before = try await registry.device("peer_alice_1")
            registry.clock.advance(by: 10)
            let response = try await client.announce("net1", peerId: "peer_alice_1", token: mallory, signalAddress: "wss://evil.example.com/x")
            #expect(response.status == .forbidden)
            #expect(response.error == "Device peer_alice_1 belongs to another user")
            #expect(try await registry.device("peer_alice_1") == before)
        }
    }

    @Test(arguments: RegistryBackend.all) func capabilitiesWithCoordinatorMakeACoordinator(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let token = try await registry.token("alice")
        _ = try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_c", token: token, capabilities: ["coordinator"])
        }
        #expect(try await registry.device("peer_c")?["isCoordinator"] == true)
    }

    @Test(arguments: RegistryBackend.all) func reannounceNeverDemotesAnElectedCoordinator(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_e", token: token, capabilities: ["relay"])
            // The election promotes it (as the coordinator job does).
            _ = try await registry.store.collection("devices").updateOne(
                ["deviceId": "peer_e"],
                ["$set": ["isCoordinator": true], "$addToSet": ["capabilities": "coordinator"]],
                upsert: false
            )
            try await client.announce("net1", peerId: "peer_e", token: token, capabilities: ["relay"])
        }
        let device = try #require(try await registry.device("peer_e"))
        #expect(device["isCoordinator"] == true)
        #expect(device["capabilities"]?.arrayValue?.contains("coordinator") == true)
        #expect(device["capabilities"]?.arrayValue?.contains("relay") == true)
    }

    @Test(arguments: RegistryBackend.all) func movingToAnotherNetworkDropsThePromotion(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_m", token: token)
            _ = try await registry.store.collection("devices").updateOne(["deviceId": "peer_m"], ["$set": ["isCoordinator": true]], upsert: false)
            try await client.announce("net2", peerId: "peer_m", token: token)
        }
        let device = try #require(try await registry.device("peer_m"))
        #expect(device["networkId"] == "net2")
        #expect(device["isCoordinator"] == false)
    }

    @Test(arguments: RegistryBackend.all) func duplicateCapabilitiesAreStoredOnce(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let token = try await registry.token("alice")
        try await registry.test { client async throws in
            #expect(try await client.announce("net1", peerId: "peer_d", token: token, capabilities: ["relay", "relay"]).status == .ok)
        }
        #expect(try await registry.device("peer_d")?["capabilities"] == ["relay"])
    }

    @Test(arguments: RegistryBackend.all) func concurrentAnnouncesOfANewDeviceByTwoUsersLeaveOneOwner(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let alice = try await registry.token("alice")
        let bob = try await registry.token("bob")
        let statuses = try await registry.test { client async throws in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 {
                    group.addTask { try await client.announce("net1", peerId: "peer_contested", token: index % 2 == 0 ? alice : bob).status.code }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
        }
        let owner = try #require(try await registry.device("peer_contested")?["userId"]?.stringValue)
        #expect(statuses.filter { $0 == 200 }.count == 10)
        #expect(statuses.filter { $0 == 403 }.count == 10)
        #expect(["alice", "bob"].contains(owner))
        #expect(try await registry.store.collection("devices").count(["deviceId": "peer_contested"]) == 1)
    }
}
