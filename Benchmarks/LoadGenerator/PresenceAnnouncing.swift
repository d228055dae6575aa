import Foundation
import NIOCore

/// The announcing phases of `loadgen presence`: new devices join the network at a steady rate, sent to instance A.
enum PresenceAnnouncing {
    /// What an announcing phase did.
    struct Result {
        var announced: Int
        var rate: Double
        /// Each of the topology's processes' CPU meanwhile, in % of a core.
        var cpuPercent: [Double]
    }

    /// New devices `peer_pj_<n>` from `first` announce into `network` at `rate` a second (ten batches a second) for
    /// `duration` seconds, to instance A; returns how many answered 200 and each process's CPU meanwhile.
    static func run(
        from first: Int,
        rate: Int,
        duration: Double,
        network: String,
        topology: PresenceTopology,
        group: any EventLoopGroup,
        sentAt: PresenceSendTimes
    ) async throws -> Result {
        let options = topology.first
        let count = Int(Double(rate) * duration)
        let host = "\(options.host):\(options.httpPort)"
        let tokens = try await mintTokens(for: (first..<first + count).map { "pj_u\($0)" }, secret: options.secret)
        let before = topology.cpuSeconds()
        let start = Date()
        let perBatch = max(1, rate / 10)
        var announced = 0
        var batch = 0
        while batch * perBatch < count {
            let due = start.addingTimeInterval(Double(batch) / 10)
            if due > Date() { try await Task.sleep(for: .seconds(due.timeIntervalSinceNow)) }
            let numbers = (batch * perBatch)..<min((batch + 1) * perBatch, count)
            let requests = numbers.map { offset -> ByteBuffer in
                let device = "peer_pj_\(first + offset)"
                return encodeRequest(
                    "POST",
                    "/network/\(network)/announce",
                    host: host,
                    token: tokens[offset],
                    json: "{\"peerId\":\"\(device)\",\"signalAddress\":\"wss://signal.example/\(device)\",\"capabilities\":[\"relay\"]}"
                )
            }
            let now = wallNanos()
            for offset in numbers { sentAt.record(first + offset, at: now) }
            let result = try await runHTTPLoad(
                group: group,
                host: options.host,
                port: options.httpPort,
                requests: requests,
                connections: 1,
                depth: perBatch,
                duration: nil
            )
            announced += result.count(200)
            batch += 1
        }
        let elapsed = Date().timeIntervalSince(start)
        let cpu = zip(topology.cpuSeconds(), before).map { ($0 - $1) / elapsed * 100 }
        return Result(announced: announced, rate: Double(announced) / elapsed, cpuPercent: cpu)
    }
}
