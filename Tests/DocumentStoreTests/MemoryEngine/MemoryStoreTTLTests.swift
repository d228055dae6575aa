import DocumentStore
import Foundation
import Testing

/// The memory store's TTL monitor task.
@Suite struct MemoryStoreTTLTests {
    @Test func ttlMonitorReapsPeriodicallyUntilCancelled() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock, ttlMonitorInterval: .seconds(10))
        let sessions = store.collection("sessions")
        try await sessions.createIndex(IndexSpec("expiresAt", expireAfterSeconds: 0))
        _ = try await sessions.insertOne(["expiresAt": .date(clock.now().addingTimeInterval(5))])
        let monitor = Task { await store.runTTLMonitor() }
        try await clock.waitForSleepers(1)
        clock.advance(by: .seconds(6))  // expired, but the monitor's next pass is 4 s away
        #expect(try await sessions.count() == 1)
        clock.advance(by: .seconds(4))
        try await clock.waitForSleepers(1)  // it has reaped, and waits for its next pass
        #expect(try await sessions.count() == 0)
        _ = try await sessions.insertOne(["expiresAt": .date(clock.now().addingTimeInterval(1))])
        clock.advance(by: .seconds(10))
        try await clock.waitForSleepers(1)
        #expect(try await sessions.count() == 0)
        monitor.cancel()
        await monitor.value
        #expect(clock.sleeperCount == 0)
    }

    @Test func reapingCoversEveryCollection() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock)
        for name in ["devices", "signaling_channels"] {
            let collection = store.collection(name)
            try await collection.createIndex(IndexSpec("expiresAt", expireAfterSeconds: 0))
            _ = try await collection.insertOne(["expiresAt": .date(clock.now())])
            _ = try await collection.insertOne(["expiresAt": .date(clock.now().addingTimeInterval(10))])
        }
        #expect(await store.reapExpiredDocuments() == 2)
        clock.set(clock.now().addingTimeInterval(10))
        #expect(await store.reapExpiredDocuments() == 2)
    }
}
