import DocumentStore
import Foundation
import Testing

/// TTL indexes: documents expire once their indexed date plus `expireAfterSeconds` has passed.
///
/// Most tests move the fixture's clock and run one TTL pass, step by step. A backend that cannot move time (MongoDB,
/// whose TTL monitor runs on the server's own clock) checks the index specification there, and its expiry is
/// exercised by ``expiryOnTheBackendsOwnClock(backend:)``, with dates already past on the server's clock.
@Suite struct TTLTests {
    /// The clock and reap hook, or `nil` for a backend that cannot move time.
    static func timeControl(_ fixture: StoreFixture) -> (ManualWallClock, @Sendable () async throws -> Int)? {
        guard let clock = fixture.clock, let reap = fixture.reapExpired else { return nil }
        return (clock, reap)
    }

    /// Every rule at once, on the backend's own clock: on MongoDB its TTL monitor (every 60 s on a real server, on
    /// access in mongoeco) removes what has expired, so the test waits for the expected documents, up to 90 s.
    @Test(arguments: StoreBackend.all)
    func expiryOnTheBackendsOwnClock(backend: StoreBackend) async throws {
        try await backend.withCollection { collection, fixture in
            try await collection.createIndexes([
                IndexSpec("expiresAt", expireAfterSeconds: 0), IndexSpec("createdAt", expireAfterSeconds: 3600),
                IndexSpec("deadlines", expireAfterSeconds: 0), IndexSpec("lastSeen"),
            ])
            let now = fixture.clock?.now() ?? Date()
            try await TestData.insert(
                [
                    ["_id": 1, "expiresAt": .date(now.addingTimeInterval(-600))],
                    ["_id": 2, "expiresAt": .date(now.addingTimeInterval(3600))],
                    ["_id": 3],
                    ["_id": 4, "expiresAt": "not a date"],
                    ["_id": 5, "createdAt": .date(now.addingTimeInterval(-7200))],
                    ["_id": 6, "createdAt": .date(now.addingTimeInterval(-1800))],
                    ["_id": 7, "deadlines": [.date(now.addingTimeInterval(5000)), .date(now.addingTimeInterval(-100)), "x"]],
                    ["_id": 8, "deadlines": [.date(now.addingTimeInterval(5000))]],
                    ["_id": 9, "lastSeen": .date(now.addingTimeInterval(-86_400))],
                ],
                into: collection
            )
            let expected: [Int64] = [2, 3, 4, 6, 8, 9]
            if let reap = fixture.reapExpired {
                #expect(try await reap() == 3)
            } else {
                let deadline = Date().addingTimeInterval(90)
                while try await TestData.matchingIds([:], in: collection) != expected, Date() < deadline {
                    try await Task.sleep(for: .seconds(1))
                }
            }
            #expect(try await TestData.matchingIds([:], in: collection) == expected)
        }
    }

    @Test(arguments: StoreBackend.all)
    func ttlIndexDeletesDocumentsOnceTheirDatePasses(backend: StoreBackend) async throws {
        try await backend.withCollection { collection, fixture in
            try await collection.createIndexes([IndexSpec("expiresAt", expireAfterSeconds: 0)])
            let ttl = try #require(try await collection.listIndexes().first { $0.name == "expiresAt_1" })
            #expect(ttl.expireAfterSeconds == 0)
            #expect(ttl.keys == [IndexKey("expiresAt")])
            guard let (clock, reap) = Self.timeControl(fixture) else { return }

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
            guard let (clock, reap) = Self.timeControl(fixture) else { return }

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
            guard let (clock, reap) = Self.timeControl(fixture) else { return }

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
            guard let (clock, reap) = Self.timeControl(fixture) else { return }

            _ = try await collection.insertOne(["_id": 1, "lastSeen": .date(clock.now().addingTimeInterval(-86_400))])
            clock.advance(by: 86_400)
            #expect(try await reap() == 0)
            #expect(try await collection.count() == 1)
        }
    }
}
