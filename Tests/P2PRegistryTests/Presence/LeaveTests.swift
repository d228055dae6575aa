import DocumentStore
import Foundation
import Testing

/// `DELETE /network/:networkId/devices/:deviceId` through the real server: the owner's device leaves its network
/// now; others get 403, an unknown device 404; queued messages stay; an announce brings the device back.
@Suite(.serialized) struct LeaveTests {
    static func peers(_ registry: LiveRegistry, token: String) async throws -> [String] {
        let answer = try await registry.http("GET", "/network/net1/peers", token: token)
        return (answer.json["peers"] as? [[String: Any]] ?? []).compactMap { $0["deviceId"] as? String }
    }

    @Test(arguments: RegistryBackend.all) func theOwnersDeviceLeavesAtOnceAndComesBackWithAnAnnounce(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let alice = try await registry.token("alice")
            let bob = try await registry.token("bob")
            #expect(try await registry.announce("net1", peerId: "peer_a", token: alice) == 200)
            #expect(try await registry.announce("net1", peerId: "peer_b", token: bob) == 200)
            // A message waits in bob's queue.
            let a = TestSocket.connect(registry, deviceId: "peer_a", token: alice)
            try await a.ready()
            a.send(#"{"type":"offer","toPeerId":"peer_b","data":{"n":"kept"},"id":"q"}"#)
            #expect(try await a.frame(ofType: "delivered")["delivery"] as? String == "queued")

            let left = try await registry.http("DELETE", "/network/net1/devices/peer_b", token: bob)
            #expect(left.status == 200)
            #expect(left.json["success"] as? Bool == true)
            #expect(try await Self.peers(registry, token: alice) == ["peer_a"])
            let peer = try await registry.http("GET", "/network/net1/peer/bob", token: alice).json
            #expect(peer["online"] as? Bool == false)
            // Its queue is kept until its TTL.
            #expect(try await registry.drainIds("peer_b", token: bob) == ["kept"])
            // Connecting does not bring it back; announcing does.
            let b = TestSocket.connect(registry, deviceId: "peer_b", token: bob)
            try await b.ready()
            #expect(try await Self.peers(registry, token: alice) == ["peer_a"])
            #expect(try await registry.announce("net1", peerId: "peer_b", token: bob) == 200)
            #expect(Set(try await Self.peers(registry, token: alice)) == ["peer_a", "peer_b"])
        }
    }

    @Test(arguments: RegistryBackend.all) func onlyTheOwnerMayAndAnUnknownDeviceIs404(backend: RegistryBackend) async throws {
        let registry = try await LiveRegistry.start(backend: backend)
        try await stopping(registry) {
            let alice = try await registry.token("alice")
            let bob = try await registry.token("bob")
            #expect(try await registry.announce("net1", peerId: "peer_a", token: alice) == 200)
            let forbidden = try await registry.http("DELETE", "/network/net1/devices/peer_a", token: bob)
            #expect(forbidden.status == 403)
            #expect(forbidden.json["error"] as? String == "Device peer_a belongs to another user")
            let unknown = try await registry.http("DELETE", "/network/net1/devices/peer_zz", token: alice)
            #expect(unknown.status == 404)
            #expect(unknown.json["error"] as? String == "Device peer_zz is not announced in network net1")
            // Announced in net1, not in net2.
            #expect(try await registry.http("DELETE", "/network/net2/devices/peer_a", token: alice).status == 404)
            let denied = try await registry.http("DELETE", "/network/net1/devices/peer_a", token: registry.token("alice", networks: ["net2"]))
            #expect(denied.status == 403)
            #expect(denied.json["error"] as? String == "Token does not grant access to network net1")
            let invalid = try await registry.http("DELETE", "/network/net-1/devices/alice", token: alice)
            #expect(invalid.status == 400)
            #expect((invalid.json["errors"] as? [[String: Any]])?.compactMap { $0["path"] as? String } == ["networkId", "deviceId"])
            #expect(try await registry.http("DELETE", "/network/net1/devices/peer_a", token: nil).status == 401)
            // Nothing changed.
            #expect(try await Self.peers(registry, token: alice) == ["peer_a"])
        }
    }
}
