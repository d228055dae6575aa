import DocumentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import ServerEngine
import Testing

/// The `coordinatorElection` job on the harness clock (MIN_COORDINATORS_PER_NETWORK 2, online window 10 minutes).
@Suite struct CoordinatorElectionTests {
    @Test func electionPromotesExactlyTheMissingNumber() async throws {
        let registry = try await RegistryHarness.make()
        try await registry.announce(
            "net1",
            [
                ("peer_declared", ["coordinator"]), ("peer_a", ["relay"]), ("peer_b", ["relay"]), ("peer_c", ["store"]), ("peer_d", ["relay"]),
            ]
        )
        try await registry.announce("net2", [("peer_x", ["relay"]), ("peer_y", ["store"]), ("peer_z", ["relay"])])
        let outcome = try await registry.runJob("coordinatorElection")
        #expect(outcome.changed == 3)  // one missing in net1, two in net2
        #expect(outcome.details["networks"] == "2")
        #expect(try await registry.coordinators("net1") == ["peer_a", "peer_declared"])
        #expect(try await registry.coordinators("net2") == ["peer_x", "peer_y"])
        let promoted = try #require(try await registry.device("peer_a"))
        #expect(promoted["capabilities"] == ["relay", "coordinator"])
        #expect(try await registry.runJob("coordinatorElection").changed == 0)
    }

    @Test func concurrentElectionRunsNeverPromoteMoreThanTheMissingNumber() async throws {
        let registry = try await RegistryHarness.make()
        let networks = ["net1", "net2", "net3"]
        for network in networks {
            try await registry.announce(network, (1...6).map { ("peer_\(network)_\($0)", ["relay"]) })
        }
        let run = try registry.jobRun("coordinatorElection")
        let changed = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { try await run().changed } }
            return try await group.reduce(0, +)
        }
        #expect(changed == 6)  // the runs together report what they really promoted
        for network in networks {
            #expect(try await registry.coordinators(network).count == 2, "\(network)")
        }
    }

    @Test func electionPrefersDevicesWithBothCapabilitiesThenTheEarliestAnnounced() async throws {
        let registry = try await RegistryHarness.make(environment: ["MIN_COORDINATORS_PER_NETWORK": "3"])
        try await registry.announce(
            "net1",
            [
                ("peer_relay_old", ["relay"]), ("peer_store_old", ["store"]), ("peer_both_new", ["store", "relay"]),
                ("peer_both_newer", ["relay", "store"]), ("peer_relay_newest", ["relay"]),
            ]
        )
        #expect(try await registry.runJob("coordinatorElection").changed == 3)
        #expect(try await registry.coordinators("net1") == ["peer_both_new", "peer_both_newer", "peer_relay_old"])
    }

    @Test func electionNeverPromotesADeviceWithoutStoreOrRelay() async throws {
        let registry = try await RegistryHarness.make()
        try await registry.announce("net1", [("peer_none", nil), ("peer_empty", []), ("peer_relay", ["relay"])])
        let outcome = try await registry.runJob("coordinatorElection")
        #expect(outcome.changed == 1)
        #expect(outcome.details["networksBelowMinimum"] == "1")
        #expect(try await registry.coordinators("net1") == ["peer_relay"])
        #expect(try await registry.device("peer_none")?["capabilities"] == [])
        #expect(try await registry.device("peer_empty")?["isCoordinator"] == false)
        #expect(try await registry.runJob("coordinatorElection").changed == 0)
    }

    @Test func electionReplacesACoordinatorThatWentOffline() async throws {
        let registry = try await RegistryHarness.make()
        try await registry.announce("net1", [("peer_a", ["relay"]), ("peer_b", ["relay"]), ("peer_c", ["store"])])
        #expect(try await registry.runJob("coordinatorElection").changed == 2)
        #expect(try await registry.coordinators("net1") == ["peer_a", "peer_b"])

        // peer_a falls silent; b and c keep announcing (b's announce keeps its promotion).
        registry.clock.advance(by: 8 * 60)
        try await registry.announce("net1", [("peer_b", ["relay"]), ("peer_c", ["store"])])
        registry.clock.advance(by: 3 * 60)
        // Not swept yet, but peer_a is out of the online window, so it no longer counts.
        #expect(try await registry.runJob("coordinatorElection").changed == 1)
        #expect(try await registry.device("peer_c")?["isCoordinator"] == true)
        #expect(try await registry.device("peer_b")?["capabilities"] == ["relay", "coordinator"])
        #expect(try await registry.runJob("presenceSweep").changed == 1)
        #expect(try await registry.coordinators("net1", onlineOnly: true) == ["peer_b", "peer_c"])
        #expect(try await registry.runJob("coordinatorElection").changed == 0)
    }

    @Test func offlineUsersFallbackListsTheElectedCoordinators() async throws {
        let registry = try await RegistryHarness.make()
        let caller = try await registry.token("caller", ttl: .seconds(86_400))
        try await registry.announce("net1", [("peer_carol", nil)])
        let carolSeen = registry.clock.now().addingTimeInterval(-1)
        registry.clock.advance(by: 9 * 60)
        try await registry.announce("net1", [("peer_dave", ["relay"]), ("peer_erin", ["store"]), ("peer_frank", nil)])
        registry.clock.advance(by: 2 * 60)
        #expect(try await registry.runJob("presenceSweep").changed == 1)
        #expect(try await registry.runJob("coordinatorElection").changed == 2)
        try await registry.test { client async throws in
            let response = try await client.get("/network/net1/peer/user_peer_carol", token: caller)
            #expect(response.status == .ok)
            #expect(response.json["online"] as? Bool == false)
            #expect(response.json["lastSeen"] as? String == ISO8601Milliseconds.string(from: carolSeen))
            #expect(Set(response.json["lastCoordinators"] as? [String] ?? []) == ["peer_dave", "peer_erin"])
        }
    }
}
