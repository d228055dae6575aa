extension ConfigReader {
    /// `cluster:` — `enabled` (`auto`, `true`, `false`), `heartbeatInterval`, `instanceTimeout`, `inboxPollInterval`.
    func cluster(_ node: ConfigNode?) -> ClusterConfig {
        var cluster = ClusterConfig()
        guard let node, let map = mapping(node, allowed: ["enabled", "heartbeatInterval", "instanceTimeout", "inboxPollInterval"]) else {
            return cluster
        }
        if let enabled = map["enabled"], let text = string(enabled) {
            switch text.trimmingWhitespace().lowercased() {
            case "auto", "": cluster.mode = .auto
            case "true", "yes", "on", "1": cluster.mode = .on
            case "false", "no", "off", "0": cluster.mode = .off
            default: error("expected auto, true or false, found '\(text)'", at: enabled)
            }
        }
        if let interval = map["heartbeatInterval"].flatMap({ duration($0, minimum: .milliseconds(10)) }) { cluster.heartbeatInterval = interval }
        if let timeout = map["instanceTimeout"].flatMap({ duration($0, minimum: .milliseconds(10)) }) { cluster.instanceTimeout = timeout }
        if let interval = map["inboxPollInterval"].flatMap({ duration($0, minimum: .milliseconds(1)) }) { cluster.inboxPollInterval = interval }
        if let node = map["instanceTimeout"], cluster.instanceTimeout < cluster.heartbeatInterval * 2 {
            error("instanceTimeout must be at least twice heartbeatInterval, or live instances are taken for gone", at: node)
        }
        return cluster
    }
}
