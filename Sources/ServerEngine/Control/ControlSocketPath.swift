import Foundation
import ServerConfig

/// Where an instance's control socket lives (see ``ControlSocketService``).
///
/// The default is `$XDG_RUNTIME_DIR/registry/<service>-<port>.sock`, else `/tmp/registry-<uid>/<service>-<port>.sock`,
/// with `<port>` the HTTP API port: one socket per instance on a host, and a command that reads the same
/// configuration (and environment) finds the instance serving it. `REGISTRY_CONTROL_SOCKET` overrides it.
public enum ControlSocketPath {
    /// The socket path for `configuration`, or nil when there is no stable one: the HTTP port is 0 (chosen at
    /// start), so a command could not compute the same path; pass one explicitly then.
    public static func resolve(
        explicit: String?,
        configuration: ServerConfiguration,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        if let explicit, !explicit.isEmpty { return explicit }
        if let configured = environment["REGISTRY_CONTROL_SOCKET"], !configured.isEmpty { return configured }
        guard configuration.http.port != 0 else { return nil }
        return defaultDirectory(environment: environment) + "/\(configuration.service)-\(configuration.http.port).sock"
    }

    /// The private directory holding default sockets (mode 0700).
    static func defaultDirectory(environment: [String: String]) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return runtime + "/registry" }
        return "/tmp/registry-\(getuid())"
    }
}
