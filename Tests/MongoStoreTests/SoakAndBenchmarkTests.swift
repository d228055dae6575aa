import DocumentStore
import Foundation
import MongoStore
import MongoTestSupport
import Testing

/// Opt-in runs that are not part of the normal suite:
///
/// - `MONGOSTORE_SOAK_ITERATIONS=N`: every operation and error path N times, each round on a new
///   store (connect … shutdown), for leak checking under LeakSanitizer or valgrind.
/// - `MONGOSTORE_SOAK_SECONDS=S`: the same operations and error paths for S seconds on ONE long-lived
///   store, as a server uses it; prints the resident set every 30 seconds so a per-operation leak shows
///   as steady growth (creating and dropping pools is not in the loop).
/// - `MONGOSTORE_BENCHMARK=1` (optionally `MONGOSTORE_BENCHMARK_OPERATIONS`, default 2000): upserts
///   and finds by an indexed key through MongoStore; prints a Markdown table. Not a timed test: it
///   asserts nothing about speed.
@Suite struct SoakAndBenchmarkTests {
    static let environment = ProcessInfo.processInfo.environment
    static let soakIterations = Int(environment["MONGOSTORE_SOAK_ITERATIONS"] ?? "") ?? 0
    static let soakSeconds = Int(environment["MONGOSTORE_SOAK_SECONDS"] ?? "") ?? 0
    static let benchmarkOperations = Int(environment["MONGOSTORE_BENCHMARK_OPERATIONS"] ?? "") ?? 2000

    @Test(.enabled(if: soakIterations > 0, "set MONGOSTORE_SOAK_ITERATIONS to run"))
    func soakEveryOperationAndErrorPath() async throws {
        let unreachable = try await MongoStore.connect(
            uri: "mongodb://user:pw@127.0.0.1:1/?serverSelectionTimeoutMS=200",
            database: "soak",
            poolSize: 2,
            logger: MongoTestServer.logger
        )
        await expectStoreError(.unavailable) { try await unreachable.ping() }
        try await unreachable.shutdown()
        await expectStoreError(.unavailable) {
            try await MongoStore.connect(uri: "mongodb://user:pw@", database: "soak", logger: MongoTestServer.logger)
        }

        var residentAfterWarmUp = 0
        for round in 0..<Self.soakIterations {
            if round == min(10, Self.soakIterations - 1) { residentAfterWarmUp = Self.residentMiB() }
            let store = try await MongoTestServer.shared.makeStore(poolSize: 2)
            let collection = store.collection(MongoTestServer.uniqueName())
            try await store.ping()
            try await Self.exerciseEveryOperation(collection, round: round)
            try await store.dropCollection(collection.name)
            try await store.shutdown()
            await expectStoreError(.unavailable) { try await collection.count() }
        }
        print("soak: \(Self.soakIterations) rounds; resident memory \(residentAfterWarmUp) MiB after warm-up, \(Self.residentMiB()) MiB at the end")
    }

    @Test(.enabled(if: soakSeconds > 0, "set MONGOSTORE_SOAK_SECONDS to run"))
    func soakOneLongLivedStore() async throws {
        let store = try await MongoTestServer.shared.makeStore(poolSize: 4)
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: .seconds(Self.soakSeconds))
        var nextSample = start.advanced(by: .seconds(30))
        var samples: [String] = []
        var rounds = 0
        while clock.now < deadline {
            // Four concurrent workers, as the server's handlers would be, each on a collection of its own.
            let round = rounds
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask { try await Self.exerciseEveryOperation(store.collection("soak_\(worker)"), round: round) }
                }
                try await group.waitForAll()
            }
            rounds += 1
            if clock.now >= nextSample {
                samples.append("\(Self.residentKiB())")
                nextSample = nextSample.advanced(by: .seconds(30))
            }
        }
        for worker in 0..<4 { try await store.dropCollection("soak_\(worker)") }
        try await store.shutdown()
        print("soak (one store): \(rounds) rounds × 4 workers in \(Self.soakSeconds) s; resident KiB every 30 s: \(samples.joined(separator: " "))")
    }

    /// Every operation and error path once on `collection` (which keeps its indexes between rounds).
    private static func exerciseEveryOperation(_ collection: any DocumentCollection, round: Int) async throws {
        try await collection.createIndexes([IndexSpec("deviceId", unique: true), IndexSpec("expiresAt", expireAfterSeconds: 0)])
        _ = try await collection.listIndexes()
        await expectStoreError(.indexConflict) { try await collection.createIndex(IndexSpec("deviceId")) }
        _ = try await collection.deleteMany([:])
        for index in 0..<10 {
            _ = try await collection.insertOne([
                "deviceId": .string("d\(index)"), "tags": ["a", .string("t\(index % 3)")], "n": .int(Int64(index)),
                "at": .date(Date()), "nested": ["s": "x\0y é", "d": 1.5],
            ])
        }
        await expectStoreError(.duplicateKey) { try await collection.insertOne(["deviceId": "d1"]) }
        _ = try await collection.find(["n": ["$gte": 2]], sort: [SortKey("n", .descending)], limit: 5, skip: 1, projection: ["n": 1])
        _ = try await collection.findOne(["deviceId": "d3"])
        _ = try await collection.count(["tags": "a"])
        _ = try await collection.distinct("tags")
        await expectStoreError(.invalidQuery) { try await collection.find(["n": ["$bogus": 1]]) }
        _ = try await collection.updateOne(["deviceId": .string("new\(round)")], ["$set": ["n": 1], "$setOnInsert": ["c": 1]], upsert: true)
        _ = try await collection.updateMany(["n": ["$lt": 5]], ["$inc": ["n": 1]])
        await expectStoreError(.invalidQuery) { try await collection.updateOne(["deviceId": "d1"], ["n": 1]) }
        await expectStoreError(.immutableField) { try await collection.updateOne(["deviceId": "d1"], ["$set": ["_id": 1]]) }
        _ = try await collection.findOneAndUpdate(["deviceId": "d2"], ["$push": ["tags": "z"]], returnDocument: .after, sort: [SortKey("n")])
        _ = try await collection.deleteOne(["deviceId": "d4"])
        _ = try await collection.deleteMany(["n": ["$gt": 7]])
    }

    /// The process's resident set in KiB (Linux `/proc/self/statm`; 0 elsewhere).
    private static func residentKiB() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return pages * 4
    }

    /// The process's resident set in MiB (Linux `/proc/self/statm`; 0 elsewhere).
    private static func residentMiB() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return pages * 4096 / (1 << 20)
    }

    @Test(.enabled(if: environment["MONGOSTORE_BENCHMARK"] == "1", "set MONGOSTORE_BENCHMARK=1 to run"))
    func benchmarkUpsertsAndIndexedFinds() async throws {
        let operations = Self.benchmarkOperations
        let endpoint = try await MongoTestServer.shared.endpoint()
        var rows: [String] = []
        for concurrency in [1, 8] {
            try await withMongoCollection(poolSize: 8) { collection, _ in
                try await collection.createIndexes([
                    IndexSpec("deviceId", unique: true), IndexSpec("networkId", "isOnline"), IndexSpec("lastSeen"),
                    IndexSpec("expiresAt", expireAfterSeconds: 0),
                ])
                @Sendable func announce(_ index: Int) async throws {
                    let now = Date()
                    _ = try await collection.updateOne(
                        ["deviceId": .string("peer_\(index)")],
                        [
                            "$set": [
                                "networkId": .string("n\(index % 100)"), "userId": .string("u\(index % 500)"), "isOnline": true,
                                "lastSeen": .date(now), "expiresAt": .date(now.addingTimeInterval(3600)), "capabilities": ["relay"],
                            ],
                            "$setOnInsert": ["createdAt": .date(now)],
                        ],
                        upsert: true
                    )
                }
                let inserts = try await Self.measure(operations, concurrency: concurrency) { try await announce($0) }
                let updates = try await Self.measure(operations, concurrency: concurrency) { try await announce(($0 * 7919) % operations) }
                let finds = try await Self.measure(operations, concurrency: concurrency) { index in
                    let found = try await collection.findOne(["deviceId": .string("peer_\((index * 7919) % operations)")])
                    if found == nil { throw StoreError(code: .internalError, message: "benchmark device missing") }
                }
                #expect(try await collection.count() == operations)
                for (label, seconds) in [
                    ("upsert that inserts (announce)", inserts), ("upsert that updates (re-announce)", updates),
                    ("findOne by deviceId (unique index)", finds),
                ] {
                    rows.append(
                        "| \(label) | \(concurrency) | \(operations) | \(String(format: "%.3f", seconds)) s | \(Int((Double(operations) / seconds).rounded()))/s |"
                    )
                }
            }
        }
        print(
            """
            MongoStore benchmark against \(endpoint.isMongoeco ? "mongoeco (a Python wire server, not MongoDB)" : "MONGODB_URI's server")
            | measurement | tasks | operations | time | rate |
            |---|---:|---:|---:|---:|
            \(rows.joined(separator: "\n"))
            """
        )
    }

    /// Seconds to run `body(0..<count)` spread over `concurrency` tasks.
    private static func measure(_ count: Int, concurrency: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws -> Double {
        let clock = ContinuousClock()
        let elapsed = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<concurrency {
                    group.addTask {
                        for index in stride(from: worker, to: count, by: concurrency) { try await body(index) }
                    }
                }
                try await group.waitForAll()
            }
        }
        return elapsed.seconds
    }
}
