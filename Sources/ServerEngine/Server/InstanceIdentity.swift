import Foundation

/// Names a server instance: `REGISTRY_INSTANCE_ID` when set, else the host name and a random suffix.
public enum InstanceIdentity {
    /// This process's instance id.
    public static func make(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let configured = environment["REGISTRY_INSTANCE_ID"], !configured.isEmpty { return configured }
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(ProcessInfo.processInfo.hostName)-\(suffix)"
    }
}
