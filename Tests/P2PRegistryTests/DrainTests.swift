import DocumentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `GET /signaling/messages/:deviceId`. Messages are queued in `signaling_channels` as the signaling
/// server stores them; here they are written to the store directly.
@Suite struct DrainTests {
    /// Queues a message from `from` to `to` in their channel, as the signaling server does.
    static func queue(_ registry: RegistryHarness, from: String, to: String, id: String, type: String = "offer") async throws {
        let channelId = [from, to].sorted().joined(separator: "_")
        let message: Value = [
            "id": .string(id), "type": .string(type), "from": .string(from), "to": .string(to),
            "data": ["sdp": .string("v=0 \(id)")], "timestamp": .date(registry.clock.now()),
        ]
        _ = try await registry.store.collection("signaling_channels").updateOne(
            ["channelId": .string(channelId)],
            ["$push": ["messages": message], "$setOnInsert": ["participants": .array([from, to].sorted().map(Value.string))]],
            upsert: true
        )
        registry.clock.advance(by: 0.001)
    }

    @Test(arguments: RegistryBackend.all) func drainReturnsQueuedMessagesOnceInOrder(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let bob = try await registry.token("bob")
        try await Self.queue(registry, from: "peer_alice", to: "peer_bob", id: "m1")
        try await Self.queue(registry, from: "peer_carol", to: "peer_bob", id: "m2", type: "ice-candidate")
        try await Self.queue(registry, from: "peer_alice", to: "peer_bob", id: "m3", type: "ice-candidate")
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_bob", token: bob)
            let first = try await client.get("/signaling/messages/peer_bob", token: bob)
            #expect(first.status == .ok)
            let messages = try #require(first.json["messages"] as? [[String: Any]])
            #expect(messages.map { $0["id"] as? String } == ["m1", "m2", "m3"])
            let message = try #require(messages.first)
            #expect(message["type"] as? String == "offer")
            #expect(message["from"] as? String == "peer_alice")
            #expect(message["to"] as? String == "peer_bob")
            #expect((message["data"] as? [String: Any])?["sdp"] as? String == "v=0 m1")
            #expect(message["timestamp"] is String)
            let second = try await client.get("/signaling/messages/peer_bob", token: bob)
            #expect((second.json["messages"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(arguments: RegistryBackend.all) func drainLeavesTheOtherParticipantsMessages(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let bob = try await registry.token("bob")
        try await Self.queue(registry, from: "peer_alice", to: "peer_bob", id: "to-bob")
        try await Self.queue(registry, from: "peer_bob", to: "peer_alice", id: "to-alice")
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_bob", token: bob)
            _ = try await client.get("/signaling/messages/peer_bob", token: bob)
        }
        let channel = try #require(try await registry.store.collection("signaling_channels").findOne(["channelId": "peer_alice_peer_bob"]))
        #expect(channel["messages"]?.arrayValue?.compactMap { $0.documentValue?["id"] } == ["to-alice"])
    }

    @Test(arguments: RegistryBackend.all) func messageQueuedAfterADrainComesWithTheNext(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let bob = try await registry.token("bob")
        try await Self.queue(registry, from: "peer_alice", to: "peer_bob", id: "m1")
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_bob", token: bob)
            #expect((try await client.get("/signaling/messages/peer_bob", token: bob).json["messages"] as? [Any])?.count == 1)
            try await Self.queue(registry, from: "peer_alice", to: "peer_bob", id: "m2")
            let next = try await client.get("/signaling/messages/peer_bob", token: bob)
            #expect((next.json["messages"] as? [[String: Any]])?.map { $0["id"] as? String } == ["m2"])
        }
    }

    @Test(arguments: RegistryBackend.all) func concurrentDrainsAndQueueingLoseAndDuplicateNothing(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let bob = try await registry.token("bob")
        let total = 200
        let received = try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_bob", token: bob)
            return try await withThrowingTaskGroup(of: [String].self) { group in
                group.addTask {
                    for index in 0..<total { try await Self.queue(registry, from: "peer_s\(index % 5)", to: "peer_bob", id: "m\(index)") }
                    return []
                }
                for _ in 0..<4 {
                    group.addTask {
                        var ids: [String] = []
                        for _ in 0..<40 {
                            let response = try await client.get("/signaling/messages/peer_bob", token: bob)
                            ids += ((response.json["messages"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
                        }
                        return ids
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
        }
        let rest = try await registry.test { client async throws in
            ((try await client.get("/signaling/messages/peer_bob", token: bob).json["messages"] as? [[String: Any]]) ?? [])
                .compactMap { $0["id"] as? String }
        }
        let all = received + rest
        #expect(all.count == total)
        #expect(Set(all).count == total)
    }

    @Test(arguments: RegistryBackend.all) func anotherUsersDeviceCannotBeDrained(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let bob = try await registry.token("bob")
        let mallory = try await registry.token("mallory")
        try await Self.queue(registry, from: "peer_alice", to: "peer_bob", id: "secret")
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_bob", token: bob)
            let response = try await client.get("/signaling/messages/peer_bob", token: mallory)
            #expect(response.status == .forbidden)
            #expect(response.error == "Device peer_bob belongs to another user")
            let owner = try await client.get("/signaling/messages/peer_bob", token: bob)
            #expect((owner.json["messages"] as? [[String: Any]])?.map { $0["id"] as? String } == ["secret"])
        }
    }

    /// Draining claims nothing: a user who drains device ids nobody has announced (at scale) gets empty answers,
    /// no device document is written, and the users who later announce those ids own them.
    @Test(arguments: RegistryBackend.all) func drainingUnannouncedDevicesSquatsNone(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let bob = try await registry.token("bob")
        let mallory = try await registry.token("mallory")
        try await registry.test { client async throws in
            for index in 0..<300 {
                let response = try await client.get("/signaling/messages/peer_future\(index)", token: mallory)
                #expect(response.status == .ok)
                #expect((response.json["messages"] as? [Any])?.isEmpty == true)
            }
            #expect(try await registry.store.collection("devices").count([:]) == 0)
            #expect(try await client.announce("net1", peerId: "peer_future7", token: bob).status == .ok)
            #expect(try await client.get("/signaling/messages/peer_future7", token: mallory).status == .forbidden)
        }
        #expect(try await registry.device("peer_future7")?["userId"] == "bob")
    }

    /// A token limited to other networks cannot drain a device announced in a network it does not grant, even the
    /// user's own; a token granting it can.
    @Test(arguments: RegistryBackend.all) func aTokenDrainsOnlyDevicesInItsNetworks(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let bob = try await registry.token("bob")
        let bobNetX = try await registry.token("bob", networks: ["netX"])
        let bobNet1 = try await registry.token("bob", networks: ["net1"])
        try await Self.queue(registry, from: "peer_alice", to: "peer_bob", id: "net1-secret")
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_bob", token: bob)
            let refused = try await client.get("/signaling/messages/peer_bob", token: bobNetX)
            #expect(refused.status == .forbidden)
            #expect(refused.error == "Token does not grant access to network net1")
            let granted = try await client.get("/signaling/messages/peer_bob", token: bobNet1)
            #expect((granted.json["messages"] as? [[String: Any]])?.map { $0["id"] as? String } == ["net1-secret"])
        }
    }
}
