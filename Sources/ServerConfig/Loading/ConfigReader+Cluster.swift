/// routes.yaml `store.uri` and `cluster:` beyond their types.
extension ConfigReader {
    /// `store.uri`: empty (the embedded engine) or a `mongodb://` / `mongodb+srv://` URI.
    func storeURI(_ node: ConfigNode) -> String? {
        guard let uri = string(node) else { return nil }
        if !uri.isEmpty, !(uri.hasPrefix("mongodb://") || uri.hasPrefix("mongodb+srv://")) {
            error("a MongoDB URI starts with mongodb:// or mongodb+srv://", at: node)
        }
        return uri
    }

    /// `cluster.enabled`: `auto` (or empty), `true` or `false` (also yes/no, on/off, 1/0).
    func clusterMode(_ node: ConfigNode) -> ClusterConfig.Mode? {
        guard let text = string(node) else { return nil }
        switch text.trimmingWhitespace().lowercased() {
        case "auto", "": return .auto
        case "true", "yes", "on", "1": return .on
        case "false", "no", "off", "0": return .off
        default:
            error("expected auto, true or false, found '\(text)'", at: node)
            return nil
        }
    }

    /// `cluster.instanceTimeout` must be at least twice `heartbeatInterval`.
    func checkCluster(_ cluster: ClusterConfig, map: MappingReader?) {
        if let node = map?["instanceTimeout"], cluster.instanceTimeout < cluster.heartbeatInterval * 2 {
            error("instanceTimeout must be at least twice heartbeatInterval, or live instances are taken for gone", at: node)
        }
    }
}
