import DocumentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import P2PRegistry
import ServerEngine
import Testing

/// Pollers of an unchanged network share one rendering of `GET /peers`, and a reused body is never stale: every
/// change to a listed field, a device joining, or a device leaving the online window gives a freshly rendered body.
@Suite struct PeersListingCacheTests {
    /// The deviceIds and lastSeen values of a listing, in order.
    static func entries(_ response: TestResponse) -> [String] {
        ((response.json["peers"] as? [[String: Any]]) ?? []).map { "\($0["deviceId"] ?? "")@\($0["lastSeen"] ?? "")" }
    }

    @Test(arguments: RegistryBackend.all) func reusedListingsFollowEveryChangeAndStayPerNetwork(backend: RegistryBackend) async throws {
        let registry = try await RegistryHarness.make(backend: backend)
        let alice = try await registry.token("alice", ttl: .seconds(7200))
        let bob = try await registry.token("bob", ttl: .seconds(7200))
        try await registry.test { client async throws in
            try await client.announce("net1", peerId: "peer_a", token: alice)
            try await client.announce("net2", peerId: "peer_b", token: bob)
            let first = try await client.get("/network/net1/peers", token: alice)
            // Polled again, and between polls of another network: the same bytes, the right network's devices.
            for _ in 0..<3 {
                let other = try await client.get("/network/net2/peers", token: bob)
                #expect(Self.entries(other).map { $0.prefix(6) } == ["peer_b"])
                let again = try await client.get("/network/net1/peers", token: alice)
                #expect(Array(again.body.readableBytesView) == Array(first.body.readableBytesView))
                #expect(again.headers[.eTag] == first.headers[.eTag])
            }

            // A re-announce one second later: the listing shows the new lastSeen, not the reused body.
            registry.clock.advance(by: 1)
            try await client.announce("net1", peerId: "peer_a", token: alice)
            let refreshed = try await client.get("/network/net1/peers", token: alice)
            #expect(Self.entries(refreshed) != Self.entries(first))
            #expect(Self.entries(refreshed).count == 1)

            // A change of a listed field other than lastSeen, at the same instant.
            try await client.announce("net1", peerId: "peer_a", token: alice, capabilities: ["relay", "store"])
            let recapable = try await client.get("/network/net1/peers", token: alice)
            #expect(((recapable.json["peers"] as? [[String: Any]])?.first?["capabilities"] as? [String]) == ["relay", "store"])

            // Another device joins; then both leave the online window with no write at all.
            try await client.announce("net1", peerId: "peer_c", token: bob)
            #expect(Self.entries(try await client.get("/network/net1/peers", token: alice)).count == 2)
            registry.clock.advance(by: 11 * 60)
            #expect(Self.entries(try await client.get("/network/net1/peers", token: alice)).isEmpty)
        }
    }

    @Test func theCacheKeepsOneBodyPerNetworkWithinItsBudget() {
        func body(_ size: Int) -> HandlerBody { HandlerBody(bytes: [UInt8](repeating: UInt8(ascii: "x"), count: size)) }
        let unit = body(5000).storageSize  // the storage a 5000-byte body takes
        let cache = PeersListingCache(byteBudget: 8 * unit)
        cache.store(body(4000), network: "a", tag: "t1")
        #expect(cache.body(network: "a", tag: "t1")?.count == 4000)
        #expect(cache.body(network: "a", tag: "t2") == nil)  // another tag is another listing
        #expect(cache.body(network: "b", tag: "t1") == nil)  // and another network another listing

        cache.store(body(5000), network: "a", tag: "t2")  // replaces a's listing
        #expect(cache.count == 1)
        #expect(cache.body(network: "a", tag: "t1") == nil)
        #expect(cache.body(network: "a", tag: "t2")?.count == 5000)

        // Eight bodies fit; a ninth evicts the least recently used network first.
        for network in ["b", "c", "d", "e", "f", "g", "h"] { cache.store(body(5000), network: network, tag: "t") }
        #expect(cache.count == 8)
        #expect(cache.bytes == 8 * unit)
        cache.store(body(5000), network: "i", tag: "t")
        #expect(cache.body(network: "a", tag: "t2") == nil)  // the oldest, gone
        #expect(cache.body(network: "i", tag: "t") != nil)
        _ = cache.body(network: "b", tag: "t")  // b used again, so c is now the oldest
        cache.store(body(5000), network: "j", tag: "t")
        #expect(cache.body(network: "b", tag: "t") != nil)
        #expect(cache.body(network: "c", tag: "t") == nil)
        #expect(cache.bytes <= 8 * unit)

        // A body over a quarter of the budget is not kept.
        cache.store(body(2 * unit + 1), network: "big", tag: "t")
        #expect(cache.body(network: "big", tag: "t") == nil)
    }
}
