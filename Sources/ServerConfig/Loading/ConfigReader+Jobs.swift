/// jobs.yaml: `jobs`, a mapping of job name to `{ handler, interval, lease, enabled }`.
extension ConfigReader {
    func jobs(_ map: MappingReader?) -> [JobConfig] {
        guard let node = map?["jobs"], let named = mapping(node) else { return [] }
        return named.entries.compactMap { entry in
            let allowed = ["handler", "interval", "lease", "enabled"]
            guard let job = mapping(entry.value, allowed: allowed, required: ["handler", "interval"]) else { return nil }
            let handler = job["handler"].flatMap(string)
            let interval = job["interval"].flatMap { duration($0, minimum: .milliseconds(10)) }
            let lease = job["lease"].flatMap { duration($0, minimum: .milliseconds(10)) }
            let enabled = job["enabled"].flatMap(bool) ?? true
            guard let handler, let interval else { return nil }
            var config = JobConfig(
                name: entry.key,
                handler: handler,
                interval: interval,
                lease: lease,
                enabled: enabled,
                location: entry.keyNode.location
            )
            config.keyLocations = job.keyLocations
            return config
        }
    }
}
