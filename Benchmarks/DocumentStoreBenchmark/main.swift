// DocumentStoreBenchmark: throughput of the embedded engine on device-like documents.
//
//     swift run -c release DocumentStoreBenchmark [deviceCount]
//
// Loads `deviceCount` (default 100 000) devices over 1000 networks with the spec's announce
// upsert, then measures upserts/s, indexed finds by deviceId, and finds by networkId(+isOnline)
// with the compound index against a full scan of the same data in a collection without it.
// Bounded: every phase stops at its iteration count or its time budget, whichever comes first.

import Foundation

let deviceCount = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 100_000
let passed = try await BenchmarkRun.run(deviceCount: deviceCount)
exit(passed ? 0 : 1)
