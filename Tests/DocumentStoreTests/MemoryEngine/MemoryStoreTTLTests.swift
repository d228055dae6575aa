import DocumentStore
import Foundation
import Testing

/// The memory store's TTL monitor task.
@Suite struct MemoryStoreTTLTests {
    @Test func ttlMonitorReapsPeriodicallyUntilCancelled() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock, ttlMonitorInterval: .milliseconds(10))
        let sessions = store.collection("sessions")
        try await sessions.createIndex(IndexSpec("expiresAt", expireAfterSeconds: 0))
        _ = try await sessions.insertOne(["expiresAt": .date(clock.now().addingTimeInterval(60))])
        let monitor = Task { await store.runTTLMonitor() }
        clock.advance(by: .seconds(61))
        var remaining = try await sessions.count()
        for _ in 0..<500 where remaining > 0 {
            try await Task.sleep(for: .milliseconds(10))
            remaining = try await sessions.count()
        }
        #expect(remaining == 0)
        monitor.cancel()
        await monitor.value
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
