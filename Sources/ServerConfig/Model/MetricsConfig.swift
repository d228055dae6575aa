/// How `GET /metrics` is exposed (routes.yaml `metrics:`).
///
/// The metrics list network ids and traffic figures, so they are not open by default: a scrape needs the bearer
/// `token`, or `/metrics` moves to a `listener` of its own (kept off the public interface), or the operator says it
/// may be public. With none of the three, `/metrics` on the HTTP API port answers 403 with how to enable it.
public struct MetricsConfig: Sendable, Equatable {
    /// A bearer token a scrape must present (`Authorization: Bearer <token>`, `METRICS_TOKEN`). Empty (the default):
    /// no token.
    public var token: String
    /// A listener of its own for `/metrics` (`METRICS_PORT`); nil (the default) serves it on the HTTP API port.
    /// Its host defaults to the HTTP API's.
    public var listener: ListenerConfig?
    /// Serve `/metrics` on the HTTP API port without a token (`metrics.public`, `METRICS_PUBLIC`). Default false.
    public var isPublic: Bool

    /// Creates a metrics configuration.
    public init(token: String = "", listener: ListenerConfig? = nil, isPublic: Bool = false) {
        self.token = token
        self.listener = listener
        self.isPublic = isPublic
    }

    /// True when scrapes need the token.
    public var requiresToken: Bool { !token.isEmpty }

    /// True when `GET /metrics` on the HTTP API port refuses every scrape: no token, no listener of its own, not public.
    public var isClosedOnAPIPort: Bool { !requiresToken && listener == nil && !isPublic }
}

extension MetricsConfig: CustomStringConvertible, CustomDebugStringConvertible {
    /// Never the token.
    public var description: String {
        "MetricsConfig(token: \(requiresToken ? "[redacted]" : "unset"), listener: \(listener.map { "\($0.host):\($0.port)" } ?? "HTTP API port"), public: \(isPublic))"
    }
    public var debugDescription: String { description }
}
