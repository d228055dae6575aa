/// How `GET /metrics` is exposed (routes.yaml `metrics:`).
public struct MetricsConfig: Sendable, Equatable {
    /// A bearer token a scrape must present (`Authorization: Bearer <token>`, `METRICS_TOKEN`). Empty (the
    /// default) leaves `/metrics` open, like `/healthz`.
    public var token: String
    /// A listener of its own for `/metrics` (`METRICS_PORT`); nil (the default) serves it on the HTTP API port.
    /// Its host defaults to the HTTP API's.
    public var listener: ListenerConfig?

    /// Creates a metrics configuration.
    public init(token: String = "", listener: ListenerConfig? = nil) {
        self.token = token
        self.listener = listener
    }

    /// True when scrapes need the token.
    public var requiresToken: Bool { !token.isEmpty }
}

extension MetricsConfig: CustomStringConvertible, CustomDebugStringConvertible {
    /// Never the token.
    public var description: String {
        "MetricsConfig(token: \(requiresToken ? "[redacted]" : "unset"), listener: \(listener.map { "\($0.host):\($0.port)" } ?? "HTTP API port"))"
    }
    public var debugDescription: String { description }
}
