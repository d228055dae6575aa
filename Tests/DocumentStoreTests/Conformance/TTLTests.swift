import DocumentStore
import Foundation
import Testing

/// TTL indexes: documents expire once their indexed date plus `expireAfterSeconds` has passed.
///
/// These tests move the fixture's clock and run one TTL pass. A backend that cannot move time
/// (a real MongoDB, whose TTL monitor runs every 60 s on the server's clock) still checks the
/// index specification, then records a known issue instead of passing silently.
@Suite struct TTLTests {
    /// The clock and reap hook, or `nil` after recording that this backend cannot move time.
    static func timeControl(_ fixture: StoreFixture, backend: StoreBackend) -> (ManualWallClock, @Sendable () async throws -> Int)? {
        guard let clock = fixture.clock, let reap = fixture.reapExpired else {
            withKnownIssue("the \(backend.name) backend cannot move time; TTL expiry is left to the server's own monitor") {
                Issue.record("TTL expiry not exercised on \(backend.name)")
            }
            return nil
        }
        return (clock, reap)
    }

    @Test(arguments: StoreBackend.all)
    func ttlIndexDeletesDocumentsOnceTheirDatePasses(backend: StoreBackend) async throws {
        try await backend.withCollection { collection, fixture in
            try await collection.createIndexes([IndexSpec("expiresAt", expireAfterSeconds: 0)])
            let ttl = try #require(try await collection.listIndexes().first { $0.name == "expiresAt_1" })
            #expect(ttl.expireAfterSeconds == 0)
            #expect(ttl.keys == [IndexKey("expiresAt")])
            guard let (clock, reap) = Self.timeControl(fixture, backend: backend) else { return }

            let now = clock.now()
            try await TestData.insert(
                [
                    ["_id": 1, "expiresAt": .date(now.addingTimeInterval(600))],
                    ["_id": 2, "expiresAt": .date(now.addingTimeInterval(1200))],
                    ["_id": 3],
                    ["_id": 4, "expiresAt": "not a date"],
                ],
                into: collection
            )
            #expect(try await reap() == 0)
            clock.advance(by: .seconds(599))
            #expect(try await reap() == 0)
            clock.advance(by: .seconds(1))
            #expect(try await reap() == 1)
            #expect(try await TestData.matchingIds([:], in: collection) == [2, 3, 4])
            clock.advance(by: 3600)
            #expect(try await reap() == 1)
            #expect(try await TestData.matchingIds([:], in: collection) == [3, 4])
        }
    }

    @Test(arguments: StoreBackend.all)
    func ttlExpireAfterSecondsDelaysExpiry(backend: StoreBackend) async throws {
        try await backend.withCollection { collection, fixture in
            try await collection.createIndexes([IndexSpec("createdAt", expireAfterSeconds: 3600)])
            #expect(try await collection.listIndexes().contains(IndexSpec("createdAt", expireAfterSeconds: 3600)))
            guard let (clock, reap) = Self.timeControl(fixture, backend: backend) else { return }

            _ = try await collection.insertOne(["_id": 1, "createdAt": .date(clock.now())])
            clock.advance(by: .seconds(3599))
            #expect(try await reap() == 0)
            #expect(try await collection.count() == 1)
            clock.advance(by: .seconds(1))
            #expect(try await reap() == 1)
            #expect(try await collection.count() == 0)
        }
    }

    @Test(arguments: StoreBackend.all)
    func ttlUsesTheEarliestDateOfAnArray(backend: StoreBackend) async throws {
        try await backend.withCollection { collection, fixture in
            try await collection.createIndexes([IndexSpec("deadlines", expireAfterSeconds: 0)])
            guard let (clock, reap) = Self.timeControl(fixture, backend: backend) else { return }

            let now = clock.now()
            try await TestData.insert(
                [
                    ["_id": 1, "deadlines": [.date(now.addingTimeInterval(5000)), .date(now.addingTimeInterval(100)), "x"]],
                    ["_id": 2, "deadlines": [.date(now.addingTimeInterval(5000))]],
                ],
                into: collection
            )
            clock.advance(by: 101)
            #expect(try await reap() == 1)
            #expect(try await TestData.matchingIds([:], in: collection) == [2])
        }
    }

    @Test(arguments: StoreBackend.all)
    func datesInOrdinaryIndexesNeverExpire(backend: StoreBackend) async throws {
        try await backend.withCollection { collection, fixture in
            try await collection.createIndexes([IndexSpec("lastSeen")])
            guard let (clock, reap) = Self.timeControl(fixture, backend: backend) else { return }

            _ = try await collection.insertOne(["_id": 1, "lastSeen": .date(clock.now().addingTimeInterval(-86_400))])
            clock.advance(by: 86_400)
            #expect(try await reap() == 0)
            #expect(try await collection.count() == 1)
        }
    }
}
