import DocumentStore
import Foundation
import Testing

/// Opt-in (`SCALEOUT_BENCHMARK=1`, optionally `SCALEOUT_BENCHMARK_MESSAGES`, default 2000): signaling latency and
/// throughput between two sockets on the same instance and on two instances of one MongoDB, in one run, so
/// the ratio shows what the cross-instance hop costs. Prints a Markdown table; asserts only that nothing is lost.
@Suite(.serialized) struct ScaleOutBenchmarkTests {
    static let environment = ProcessInfo.processInfo.environment
    static let messages = Int(environment["SCALEOUT_BENCHMARK_MESSAGES"] ?? "") ?? 2000

    struct Figures {
        var p50: Double
        var p99: Double
        var max: Double
        var perSecond: Double
    }

    /// Paced latency (one message every 5 ms, 200/s) and unpaced throughput from `sender` to `receiver`.
    static func measure(from sender: RawSignalingSocket, to receiver: RawSignalingSocket, peer: String) async throws -> Figures {
        async let paced = receiver.receiveLatencies(messages)
        try await sender.sendTimestamped(messages, to: peer, interval: .milliseconds(5))
        let latencies = try await paced.sorted()
        let start = ContinuousClock.now
        async let burst = receiver.receiveLatencies(messages)
        try await sender.sendTimestamped(messages, to: peer)
        #expect(try await burst.count == messages)
        let elapsed = start.duration(to: .now)
        let seconds = elapsed.seconds
        func percentile(_ p: Double) -> Double { Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1000 }
        return Figures(p50: percentile(0.5), p99: percentile(0.99), max: Double(latencies.last ?? 0) / 1000, perSecond: Double(messages) / seconds)
    }

    @Test(.enabled(if: environment["SCALEOUT_BENCHMARK"] == "1", "set SCALEOUT_BENCHMARK=1 to run"))
    func crossInstanceRelayNextToSameInstance() async throws {
        try await ScaleOutProcessTests.withInstances(["bx", "by"]) { instances in try await Self.compare(instances[0], instances[1]) }
    }

    static func compare(_ x: ScaleOutProcessTests.Instance, _ y: ScaleOutProcessTests.Instance) async throws {
        let alice = try await MongoProcessTests.token("alice")
        for peer in ["peer_a", "peer_b", "peer_c"] { #expect(try await x.announce(peer, token: alice) == 200) }
        let a = try await x.connect("peer_a", token: alice)
        let b = try await x.connect("peer_b", token: alice)
        let c = try await y.connect("peer_c", token: alice)
        let same = try await Self.measure(from: a, to: b, peer: "peer_b")
        let cross = try await Self.measure(from: a, to: c, peer: "peer_c")
        for socket in [a, b, c] { socket.disconnect() }
        func row(_ label: String, _ f: Figures) -> String {
            String(format: "| %@ | %.2f ms | %.2f ms | %.2f ms | %.0f/s |", label, f.p50, f.p99, f.max, f.perSecond)
        }
        let endpoint = try await MongoProcessTests.environment(database: "-")["MONGODB_URI"] ?? ""
        print(
            """
            Cross-instance relay, \(Self.messages) messages per measurement, two `registry serve` processes on \(endpoint.contains("127.0.0.1") ? "mongoeco (a Python wire server, not MongoDB)" : "MONGODB_URI's server"), inbox poll 50ms
            | path | p50 (200 msg/s) | p99 | max | burst throughput |
            |---|---:|---:|---:|---:|
            \(row("same instance (live)", same))
            \(row("across instances (inbox)", cross))
            ratio p50 cross/same: \(String(format: "%.1f", cross.p50 / max(same.p50, 0.001)))×, throughput cross/same: \(String(format: "%.2f", cross.perSecond / max(same.perSecond, 0.001)))
            """
        )
    }
}
