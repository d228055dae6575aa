import DocumentStore
import Foundation
import Testing

/// Presence push in `GET /metrics`: the subscribers on this instance, the state and diff frames sent, and the
/// subscribers closed for not taking one (README, "Metrics").
@Suite(.serialized) struct PresenceMetricsTests {
    @Test(arguments: RegistryBackend.all) func subscribersAndFramesAreCounted(backend: RegistryBackend) async throws {
        let (registry, clock, a, _) = try await PresencePushTests.subscribed(backend)
        try await stopping(registry) {
            #expect(registry.metric("presence_subscribers") == 1)
            #expect(registry.metric("presence_states_sent_total") == 1)
            #expect(registry.metric("presence_diffs_sent_total") == 0)

            let bob = try await registry.token("bob")
            #expect(try await registry.announce("net1", peerId: "peer_b", token: bob) == 200)
            let b = TestSocket.connect(registry, deviceId: "peer_b", token: bob)
            try await b.ready()
            _ = try await b.subscribePresence()
            #expect(registry.metric("presence_subscribers") == 2)
            #expect(registry.metric("presence_states_sent_total") == 2)

            // One change, two subscribers of its network: two diffs.
            #expect(try await registry.announce("net1", peerId: "peer_c", token: registry.token("carol")) == 200)
            clock.advance(by: 1)
            _ = try await a.frame(ofType: "presence_diff")
            _ = try await b.frame(ofType: "presence_diff")
            try await SignalingRelayTests.waitUntil { registry.metric("presence_diffs_sent_total") == 2 }

            // The gauge follows an unsubscribe at the next interval.
            a.send(#"{"type":"presence_unsubscribe"}"#)
            try await a.ready()
            clock.advance(by: 1)
            try await SignalingRelayTests.waitUntil { registry.metric("presence_subscribers") == 1 }
            #expect(registry.metric("presence_slow_subscriber_closes_total") == 0)
        }
    }
}
