import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of one timed phase.
struct Measurement {
    let iterations: Int
    let duration: Duration

    var seconds: Double {
        let (whole, attoseconds) = duration.components
        return Double(whole) + Double(attoseconds) / 1e18
    }

    var perSecond: Double { Double(iterations) / max(seconds, 1e-9) }
}

/// Runs `body(iteration)` up to `iterations` times, stopping early once `budget` has elapsed.
func measure(iterations: Int, budget: Duration, _ body: (Int) async throws -> Void) async throws -> Measurement {
    let clock = ContinuousClock()
    let start = clock.now
    let deadline = start + budget
    var done = 0
    while done < iterations {
        try await body(done)
        done += 1
        if done % 64 == 0, clock.now > deadline { break }
    }
    return Measurement(iterations: done, duration: clock.now - start)
}

func row(_ name: String, _ measurement: Measurement, examined: Double?) -> String {
    let rate = measurement.perSecond >= 100 ? String(format: "%.0f/s", measurement.perSecond) : String(format: "%.1f/s", measurement.perSecond)
    let examinedText = examined.map { String(format: "%.0f", $0) } ?? "–"
    return "| \(name) | \(measurement.iterations) | \(String(format: "%.3f s", measurement.seconds)) | \(rate) | \(examinedText) |"
}

func machineArchitecture() -> String {
    var info = utsname()
    guard uname(&info) == 0 else { return "unknown" }
    return withUnsafeBytes(of: &info.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}

/// A small deterministic random generator so runs are comparable.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
