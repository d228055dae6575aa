/// The processes `loadgen presence` runs against. Instance A (`--http-port`, `--ws-port`, `--server-pid`) takes the
/// announces; instance B (`--second-http-port`, `--second-ws-port`, `--second-server-pid`), another `registry serve` on
/// the same MongoDB, holds the subscribers (`--subscribers-on second`, the default with B) or half of them
/// (`--subscribers-on both`), so their joins cross the cluster bus. The store's process (`--store-pid`, named by
/// `--store-name`, e.g. mongoeco) has its CPU reported apart from the registry's.
struct PresenceTopology {
    /// One process whose CPU each phase reports.
    struct Process {
        let label: String
        let pid: Int32?
    }

    /// Instance A: the announces go here.
    let first: Options
    /// Instance B, if any.
    let second: Options?
    /// Where the subscribers connect: subscriber `i` to `homes[i % homes.count]`.
    let homes: [Options]
    /// The registry instances, then the store if `--store-pid` was given.
    let processes: [Process]
    /// How many of `processes` are registry instances.
    let instanceCount: Int

    init(_ options: Options) throws {
        first = options
        var list: [Process]
        if options.has("second-http-port") || options.has("second-ws-port") {
            guard options.has("second-http-port"), options.has("second-ws-port") else {
                throw UsageError("--second-http-port and --second-ws-port go together")
            }
            let second = options.with("http-port", options.string("second-http-port", ""))
                .with("ws-port", options.string("second-ws-port", ""))
                .with("server-pid", options.string("second-server-pid", ""))
            self.second = second
            switch options.string("subscribers-on", "second") {
            case "second": homes = [second]
            case "both": homes = [options, second]
            case let other: throw UsageError("--subscribers-on second|both, not \(other)")
            }
            list = [Process(label: "instance A", pid: options.serverPid), Process(label: "instance B", pid: second.serverPid)]
        } else {
            second = nil
            homes = [options]
            list = [Process(label: "server", pid: options.serverPid)]
        }
        instanceCount = list.count
        if let storePid = Int32(options.string("store-pid", "")) {
            list.append(Process(label: options.string("store-name", "store"), pid: storePid))
        }
        processes = list
    }

    /// The instance whose `GET peers` is measured for the polling comparison (B when there is one).
    var pollTarget: Options { second ?? first }

    /// The store's process, if measured.
    var store: Process? { processes.count > instanceCount ? processes.last : nil }

    /// The label of `homes[index]` in the report.
    func name(ofHome index: Int) -> String { homes.count == 1 ? (second == nil ? "" : "instance B") : ["instance A", "instance B"][index] }

    /// Each process's CPU seconds so far, in `processes` order (0 for an unknown or gone process).
    func cpuSeconds() -> [Double] { processes.map { process in process.pid.flatMap(ProcessProbe.cpuSeconds) ?? 0 } }
}
