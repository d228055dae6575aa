import DocumentStore
import Foundation

/// The benchmark phases. Runs off the main actor so each store call is a plain async call,
/// as in the server, rather than a hop between the main actor and the global executor.
enum BenchmarkRun {
    /// Runs every phase and prints a Markdown table; returns whether the index ratios hold (≥ 50×).
    static func run(deviceCount: Int) async throws -> Bool {
        let benchmarkStart = ContinuousClock.now
        let networkCount = 1000
        let baseDate = Date(timeIntervalSince1970: 1_705_752_000)
        var rng = SplitMix64(seed: 42)

        let specIndexes = [
            IndexSpec("deviceId", unique: true),
            IndexSpec("networkId", "isOnline"),
            IndexSpec("userId", "networkId"),
            IndexSpec("lastSeen"),
            IndexSpec("expiresAt", expireAfterSeconds: 0),
        ]

        print(
            "DocumentStore benchmark: \(deviceCount) devices, \(networkCount) networks, \(ProcessInfo.processInfo.activeProcessorCount) CPUs, \(machineArchitecture())"
        )
        print("")

        // A manual clock at the documents' time, so the TTL passes see what a live server would.
        let clock = ManualWallClock(baseDate.addingTimeInterval(60))
        let store = MemoryStore(clock: clock)
        let devices = store.memoryCollection("devices")
        try await devices.createIndexes(specIndexes)

        // 1. Upserts that insert (first announce of each device), then upserts that update (re-announce).
        let insertRun = try await measure(iterations: deviceCount, budget: .seconds(20)) { index in
            let result = try await devices.updateOne(
                ["deviceId": .string(Device.id(index))],
                Device.announce(index, at: baseDate.addingTimeInterval(Double(index % 600))),
                upsert: true
            )
            precondition(result.upsertedId != nil, "first announce must insert")
        }
        let loaded = try await devices.count()
        precondition(loaded == insertRun.iterations, "every insert-upsert created one device")

        let updateRun = try await measure(iterations: deviceCount, budget: .seconds(15)) { _ in
            let index = Int(rng.next() % UInt64(loaded))
            let result = try await devices.updateOne(
                ["deviceId": .string(Device.id(index))],
                Device.announce(index, at: baseDate.addingTimeInterval(900)),
                upsert: true
            )
            precondition(result.matchedCount == 1, "re-announce must match")
        }

        // 2. Finds by deviceId through the unique index.
        devices.resetStatistics()
        let findRun = try await measure(iterations: 200_000, budget: .seconds(8)) { _ in
            let index = Int(rng.next() % UInt64(loaded))
            let device = try await devices.findOne(["deviceId": .string(Device.id(index))])
            precondition(device != nil, "every device is found")
        }
        let findExamined = Double(devices.statistics.documentsExamined) / Double(findRun.iterations)

        // 3. Finds by networkId + isOnline (the peers query) through the compound index, and by networkId alone (its prefix).
        let onlineFilter: @Sendable (Int) -> Filter = { network in ["networkId": .string(Device.network(network)), "isOnline": true] }
        let networkFilter: @Sendable (Int) -> Filter = { network in ["networkId": .string(Device.network(network))] }

        devices.resetStatistics()
        var indexedOnlineMatches = 0
        let indexedOnlineRun = try await measure(iterations: 20_000, budget: .seconds(6)) { iteration in
            indexedOnlineMatches += try await devices.find(onlineFilter(iteration % networkCount)).count
        }
        let indexedOnlineExamined = Double(devices.statistics.documentsExamined) / Double(indexedOnlineRun.iterations)

        devices.resetStatistics()
        var indexedNetworkMatches = 0
        let indexedNetworkRun = try await measure(iterations: 20_000, budget: .seconds(6)) { iteration in
            indexedNetworkMatches += try await devices.find(networkFilter(iteration % networkCount)).count
        }
        let indexedNetworkExamined = Double(devices.statistics.documentsExamined) / Double(indexedNetworkRun.iterations)

        // 4. The same data in a collection with only the deviceId index: the same queries scan.
        let unindexed = store.memoryCollection("devices_without_network_index")
        try await unindexed.createIndexes([IndexSpec("deviceId", unique: true)])
        for document in try await devices.find() {
            _ = try await unindexed.insertOne(document)
        }
        unindexed.resetStatistics()
        var scannedOnlineMatches = 0
        let scannedOnlineRun = try await measure(iterations: 200, budget: .seconds(6)) { iteration in
            scannedOnlineMatches += try await unindexed.find(onlineFilter(iteration % networkCount)).count
        }
        let scannedOnlineExamined = Double(unindexed.statistics.documentsExamined) / Double(scannedOnlineRun.iterations)

        var scannedNetworkMatches = 0
        let scannedNetworkRun = try await measure(iterations: 200, budget: .seconds(6)) { iteration in
            scannedNetworkMatches += try await unindexed.find(networkFilter(iteration % networkCount)).count
        }

        // Both plans must return the same documents for the same networks.
        let sampleNetworks = (0..<min(scannedOnlineRun.iterations, 50))
        for network in sampleNetworks {
            let viaIndex = Set(try await devices.find(onlineFilter(network)).compactMap { $0["deviceId"] })
            let viaScan = Set(try await unindexed.find(onlineFilter(network)).compactMap { $0["deviceId"] })
            precondition(viaIndex == viaScan, "index and scan disagree on network \(network)")
        }

        // 5. One TTL pass over the loaded collection with nothing expired, then with 10% expired.
        let reapIdle = try await measure(iterations: 1, budget: .seconds(5)) { _ in _ = await store.reapExpiredDocuments() }
        _ = try await devices.updateMany(
            ["networkId": ["$in": .array((0..<100).map { .string(Device.network($0)) })]],
            ["$set": ["expiresAt": .date(Date(timeIntervalSince1970: 0))]]
        )
        var reaped = 0
        let reapBusy = try await measure(iterations: 1, budget: .seconds(5)) { _ in reaped = await store.reapExpiredDocuments() }

        let onlineRatio = indexedOnlineRun.perSecond / scannedOnlineRun.perSecond
        let networkRatio = indexedNetworkRun.perSecond / scannedNetworkRun.perSecond

        print("| measurement | operations | time | rate | docs examined / op |")
        print("|---|---:|---:|---:|---:|")
        print(row("upsert that inserts (first announce: `$set` + `$setOnInsert`)", insertRun, examined: nil))
        print(row("upsert that updates (re-announce of a random device)", updateRun, examined: nil))
        print(row("findOne by deviceId (unique index)", findRun, examined: findExamined))
        print(
            row(
                "find networkId + isOnline, compound index (~\(indexedOnlineMatches / max(indexedOnlineRun.iterations, 1)) hits)",
                indexedOnlineRun,
                examined: indexedOnlineExamined
            )
        )
        print(row("find networkId + isOnline, full scan (no index)", scannedOnlineRun, examined: scannedOnlineExamined))
        print(
            row(
                "find networkId, compound index prefix (~\(indexedNetworkMatches / max(indexedNetworkRun.iterations, 1)) hits)",
                indexedNetworkRun,
                examined: indexedNetworkExamined
            )
        )
        print(row("find networkId, full scan (no index)", scannedNetworkRun, examined: Double(loaded)))
        print(row("TTL pass, nothing expired", reapIdle, examined: nil))
        print(row("TTL pass, \(reaped) expired documents deleted", reapBusy, examined: nil))
        print("")
        print(String(format: "index vs full scan, networkId + isOnline: %.0f× faster", onlineRatio))
        print(String(format: "index vs full scan, networkId:            %.0f× faster", networkRatio))
        print(String(format: "total benchmark time: %.1f s", Measurement(iterations: 0, duration: ContinuousClock.now - benchmarkStart).seconds))
        precondition(scannedOnlineMatches > 0 && scannedNetworkMatches > 0, "scans must find devices")
        if onlineRatio < 50 || networkRatio < 50 {
            print("FAIL: an indexed query is less than 50× faster than the full scan")
            return false
        }
        return true
    }
}
