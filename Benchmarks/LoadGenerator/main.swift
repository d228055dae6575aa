import Foundation

// loadgen: the registry's load generator (issue 12). Loopback only, bounded in count and time.
//
//   loadgen sockets  --count N --server-pid PID [--hold 60] [--per-process 7500] [--source-base 10]
//   loadgen relay    --pairs P --rate R [--duration 10] [--payload 200] [--server-pid PID]
//   loadgen announce --users U [--duration 5] [--connections 8] [--depth 8] [--server-pid PID]
//   loadgen discover [--sizes 100,1000,10000] [--duration 5] [--server-pid PID]
//   loadgen presence [--subscribers 1000] [--rate 100] [--duration 20] [--poll-every 5] [--diff-interval 1] [--server-pid PID]
//                    [--second-http-port P --second-ws-port P --second-server-pid PID] [--subscribers-on second|both]
//                    [--store-pid PID --store-name mongoeco]
//   loadgen header sockets|relay
// Common: --host 127.0.0.1 --http-port 3000 --ws-port 8080 --secret S (or JWT_SECRET) --threads 1 --sources 127.0.0.2,…

let usage = "usage: loadgen sockets|relay|announce|discover|presence|header [--name value]… (see Benchmarks/LoadGenerator/main.swift)"
do {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    try requireLoopback(options.host)
    for source in options.sources { try requireLoopback(source) }
    let timeLimit = options.double("time-limit", 900)
    let watchdog = Task {
        try await Task.sleep(for: .seconds(timeLimit))
        log("time limit of \(timeLimit) s reached; exiting")
        exit(3)
    }
    switch options.scenario {
    case "sockets": try await SocketsScenario.runParent(options)
    case "sockets-child": try await SocketsScenario.runChild(options)
    case "relay": try await RelayScenario.run(options)
    case "announce": try await HTTPScenarios.announce(options)
    case "discover": try await HTTPScenarios.discover(options)
    case "presence": try await PresenceScenario.run(options)
    case "header":
        switch options.string("of", "sockets") {
        case "relay": emit(RelayScenario.header)
        default: emit(SocketsScenario.header)
        }
    default: throw UsageError(usage)
    }
    watchdog.cancel()
} catch {
    log("\(error)")
    exit(1)
}
