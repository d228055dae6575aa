import DocumentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import ServerEngine
import Testing

/// The `presenceSweep` job on the harness clock (online window 10 minutes).
@Suite struct PresenceSweepTests {
    @Test func sweepMarksStaleDevicesOfflineAndLeavesFreshOnes() async throws {
        let registry = try await RegistryHarness.make()
        try await registry.announce("net1", [("peer_stale", ["relay"])])  // at t0 (announce moves the clock 1 s)
        registry.clock.advance(by: 1)
        try await registry.announce("net1", [("peer_edge", nil)])  // at t0 + 2 s
        registry.clock.advance(by: 9 * 60 - 3)
        try await registry.announce("net1", [("peer_fresh", ["store"])])  // at t0 + 9 min
        registry.clock.advance(by: 61)
        // Now t0 + 10 min 2 s: peer_stale was seen 10 min 2 s ago, peer_edge exactly 10 min ago (still inside the
        // window), peer_fresh 62 s ago.
        let outcome = try await registry.runJob("presenceSweep")
        #expect(outcome.changed == 1)
        #expect(try await registry.device("peer_stale")?["isOnline"] == false)
        #expect(try await registry.device("peer_edge")?["isOnline"] == true)
        #expect(try await registry.device("peer_fresh")?["isOnline"] == true)
        // The document stays for the fallback and the retention TTL; a second run finds nothing more.
        #expect(try await registry.device("peer_stale")?["lastSeen"] != nil)
        #expect(try await registry.runJob("presenceSweep").changed == 0)
    }

    @Test func sweepFollowsDeviceTTLMinutes() async throws {
        let registry = try await RegistryHarness.make(environment: ["DEVICE_TTL_MINUTES": "0.05"])
        try await registry.announce("net1", [("peer_a", ["relay"])])
        registry.clock.advance(by: 2)
        #expect(try await registry.runJob("presenceSweep").changed == 0)
        registry.clock.advance(by: 1.5)
        #expect(try await registry.runJob("presenceSweep").changed == 1)
        #expect(try await registry.device("peer_a")?["isOnline"] == false)
    }

    /// A connected device is kept online by the signaling server refreshing its `lastSeen` (what `presenceRefresh`
    /// writes for every open socket); the sweep judges by `lastSeen` alone, so such a device is never swept.
    @Test func deviceWhoseLastSeenIsRefreshedByItsSocketIsNotSwept() async throws {
        let registry = try await RegistryHarness.make()
        try await registry.announce("net1", [("peer_connected", ["relay"]), ("peer_silent", ["relay"])])
        for _ in 0..<4 {
            registry.clock.advance(by: 4 * 60)
            _ = try await registry.store.collection("devices").updateMany(
                ["deviceId": "peer_connected"],
                ["$set": ["lastSeen": .date(registry.clock.now()), "isOnline": true]]
            )
            _ = try await registry.runJob("presenceSweep")
        }
        #expect(try await registry.device("peer_connected")?["isOnline"] == true)
        #expect(try await registry.device("peer_silent")?["isOnline"] == false)
    }

    @Test func aSweptDeviceIsOnlineAgainWhenItAnnounces() async throws {
        let registry = try await RegistryHarness.make()
        try await registry.announce("net1", [("peer_a", ["relay"])])
        registry.clock.advance(by: 11 * 60)
        #expect(try await registry.runJob("presenceSweep").changed == 1)
        try await registry.announce("net1", [("peer_a", ["relay"])])
        #expect(try await registry.device("peer_a")?["isOnline"] == true)
        #expect(try await registry.runJob("presenceSweep").changed == 0)
    }
}
