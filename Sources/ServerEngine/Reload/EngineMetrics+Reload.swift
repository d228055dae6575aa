import Prometheus

extension EngineMetrics {
    /// Counts a reload by outcome (`applied`, `unchanged`, `rejected`).
    func recordConfigReload(outcome: String) {
        counter(
            "config_reloads_total",
            help: "Configuration reloads (SIGHUP), by outcome: applied, unchanged, rejected",
            labels: [("outcome", outcome)]
        )
        .increment()
    }

    /// Sets the version number of the configuration in force.
    func recordConfigVersion(_ number: Int) {
        gauge("config_version", help: "Version of the configuration in force: 1 at start-up, one more per applied reload").set(Double(number))
    }
}
