import Foundation

/// `--name value` options of one `loadgen` invocation, with typed accessors and defaults.
struct Options {
    let scenario: String
    private var values: [String: String] = [:]

    init(_ arguments: [String]) throws {
        guard let first = arguments.first, !first.hasPrefix("--") else { throw UsageError("missing scenario") }
        scenario = first
        var index = 1
        while index < arguments.count {
            let name = arguments[index]
            guard name.hasPrefix("--"), index + 1 < arguments.count else { throw UsageError("expected --name value at '\(name)'") }
            values[String(name.dropFirst(2))] = arguments[index + 1]
            index += 2
        }
    }

    func string(_ name: String, _ fallback: String) -> String { values[name] ?? fallback }
    func int(_ name: String, _ fallback: Int) -> Int { values[name].flatMap { Int($0) } ?? fallback }
    func double(_ name: String, _ fallback: Double) -> Double { values[name].flatMap { Double($0) } ?? fallback }
    func ints(_ name: String, _ fallback: [Int]) -> [Int] {
        guard let raw = values[name] else { return fallback }
        return raw.split(separator: ",").compactMap { Int($0) }
    }
    func has(_ name: String) -> Bool { values[name] != nil }

    /// A copy with `--name value` set (the options of another server process, say).
    func with(_ name: String, _ value: String) -> Options {
        var copy = self
        copy.values[name] = value
        return copy
    }

    /// The server under test: loopback only.
    var host: String { string("host", "127.0.0.1") }
    var httpPort: Int { int("http-port", 3000) }
    var wsPort: Int { int("ws-port", 8080) }
    var secret: String { string("secret", ProcessInfo.processInfo.environment["JWT_SECRET"] ?? "") }
    var threads: Int { int("threads", 1) }
    var serverPid: Int32? { values["server-pid"].flatMap { Int32($0) } }
    /// Source addresses to spread client sockets over (`127.0.0.2,127.0.0.3`); empty: the kernel picks.
    var sources: [String] {
        guard let raw = values["sources"], !raw.isEmpty else { return [] }
        return raw.split(separator: ",").map(String.init)
    }
    /// Sockets per source address before moving to the next (the ephemeral range is ~28k ports).
    var perSource: Int { int("per-source", 25000) }
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Rejects any host that is not loopback: the generator must never load another machine.
func requireLoopback(_ host: String) throws {
    guard host.hasPrefix("127.") || host == "localhost" || host == "::1" else {
        throw UsageError("refusing non-loopback host \(host)")
    }
}
