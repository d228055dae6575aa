import DocumentStore
import HTTPTypes
import HummingbirdTesting
import Testing

/// Networks are isolated: a network's peers never show another's devices, and a token limited to some
/// networks (`networks` claim) cannot read or announce into others.
@Suite struct IsolationTests {
    @Test(arguments: RegistryBackend.all) func networksDoNotSeeEachOthersDevices(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let alice = try await registry.token("alice")
        try await registry.test { client async throws in
            try await client.announce("netA", peerId: "peer_a", token: alice)
            try await client.announce("netB", peerId: "peer_b", token: alice)
            let peersA = try await client.get("/network/netA/peers", token: alice).json["peers"] as? [[String: Any]]
            let peersB = try await client.get("/network/netB/peers", token: alice).json["peers"] as? [[String: Any]]
            #expect(peersA?.map { $0["deviceId"] as? String } == ["peer_a"])
            #expect(peersB?.map { $0["deviceId"] as? String } == ["peer_b"])
        }
    }

    @Test(arguments: RegistryBackend.all) func tokenLimitedToANetworkCannotUseAnother(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let limited = try await registry.token("alice", networks: ["netA"])
        try await registry.test { client async throws in
            #expect(try await client.announce("netA", peerId: "peer_a", token: limited).status == .ok)
            #expect(try await client.get("/network/netA/peers", token: limited).status == .ok)
            let announce = try await client.announce("netB", peerId: "peer_a2", token: limited)
            #expect(announce.status == .forbidden)
            #expect(announce.error == "Token does not grant access to network netB")
            #expect(try await client.get("/network/netB/peers", token: limited).status == .forbidden)
            #expect(try await client.get("/network/netB/peer/bob", token: limited).status == .forbidden)
        }
        #expect(try await registry.device("peer_a2") == nil)
    }
}
