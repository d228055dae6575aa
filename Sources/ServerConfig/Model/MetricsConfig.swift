/// How `GET /metrics` is exposed (routes.yaml `metrics:`).
public struct MetricsConfig: Sendable, Equatable {
    /// A bearer token a scrape must present (`Authorization: Bearer <token>`, `METRICS_TOKEN`). Empty (the
    /// default) leaves `/metrics` open, like `/healthz`.
    public var token: String

    /// Creates a metrics configuration.
    public init(token: String = "") {
        self.token = token
    }

    /// True when scrapes need the token.
    public var requiresToken: Bool { !token.isEmpty }
}

extension MetricsConfig: CustomStringConvertible, CustomDebugStringConvertible {
    /// Never the token.
    public var description: String { "MetricsConfig(token: \(requiresToken ? "[redacted]" : "unset"))" }
    public var debugDescription: String { description }
}
