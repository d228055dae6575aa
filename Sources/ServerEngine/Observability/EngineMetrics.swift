import Prometheus
import Synchronization

/// One engine's metrics: its own Prometheus registry (never the process-global `MetricsSystem`, so several
/// engines in one process, as in tests, keep separate counts), the engine's standard series, and
/// helpers for the application's own.
///
/// `GET /metrics` serves ``exposition()``. Names follow Prometheus conventions (`_total` counters, seconds).
///
/// ```swift
/// context.services.metrics.counter("signaling_messages_total", help: "Signaling messages accepted").increment()
/// context.services.metrics.setBoundedGauges("coordinator_count", help: "…", label: "network", values: counts, limit: 100)
/// ```
public final class EngineMetrics: Sendable {
    /// The registry `GET /metrics` renders.
    public let registry: PrometheusCollectorRegistry
    /// The series of each bounded gauge family currently registered, by family name then label value.
    private let boundedSeries = Mutex<[String: [String: Gauge]]>([:])
    /// The request series resolved once per method, route and status class (a registry lookup by name and labels
    /// costs more than the rest of recording).
    private let requestSeries = Mutex<[RequestSeriesKey: (requests: Counter, duration: DurationHistogram)]>([:])
    /// The store-latency histograms resolved once per backend and operation.
    private let storeSeries = Mutex<[String: DurationHistogram]>([:])
    /// Resolved series kept at most; past it (never with the declared routes) series are looked up each time.
    private static let seriesCacheLimit = 4096

    /// Latency buckets shared by the request, job and store histograms: 1 ms … 10 s.
    public static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// Creates an empty set of metrics with a fresh registry.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        recordWebSocketConnections(0)
        setGauge(
            "build_info",
            help: "Always 1; the labels name the running build",
            labels: [("version", BuildInfo.version), ("build", BuildInfo.build), ("swift", BuildInfo.swift)],
            to: 1
        )
    }

    /// The Prometheus text exposition of every series.
    public func exposition() -> String { registry.emitToString() }

    // MARK: Generic series

    /// Adds `amount` to the counter `name` with these labels (created at zero on first use). All series of one name
    /// must use the same label names and help text.
    public func increment(_ name: String, help: String, labels: [(String, String)] = [], by amount: Int = 1) {
        counter(name, help: help, labels: labels).increment(by: Int64(amount))
    }

    /// Sets the gauge `name` with these labels.
    public func setGauge(_ name: String, help: String, labels: [(String, String)] = [], to value: Double) {
        gauge(name, help: help, labels: labels).set(value)
    }

    /// The counter `name` with these labels, resolved once: a hot path increments the handle without looking the
    /// series up by name each time.
    public func counterHandle(_ name: String, help: String, labels: [(String, String)] = []) -> CounterHandle {
        CounterHandle(counter: counter(name, help: help, labels: labels))
    }

    /// The counter `name` with these labels (created on first use). All series of one name must use the same label names.
    func counter(_ name: String, help: String, labels: [(String, String)] = []) -> Counter {
        registry.makeCounter(descriptor: Self.descriptor(name, help: help), labels: labels)
    }

    /// The gauge `name` with these labels (created on first use).
    func gauge(_ name: String, help: String, labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(descriptor: Self.descriptor(name, help: help), labels: labels)
    }

    /// The duration histogram `name` with these labels and ``durationBuckets`` (created on first use).
    func histogram(_ name: String, help: String, labels: [(String, String)] = []) -> DurationHistogram {
        registry.makeDurationHistogram(descriptor: Self.descriptor(name, help: help), labels: labels, buckets: Self.durationBuckets)
    }

    /// Sets a per-key gauge family with bounded cardinality: the `limit` keys with the largest values keep their own
    /// `label` value; the rest are summed under `label="other"`. Series of keys no longer present are removed.
    /// With `limit` below 1 every value goes to `other`.
    public func setBoundedGauges(_ name: String, help: String, label: String, values: [String: Int], limit: Int) {
        let ranked = values.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var series: [String: Double] = [:]
        for (index, entry) in ranked.enumerated() {
            let key = index < max(limit, 0) && entry.key != "other" ? entry.key : "other"
            series[key, default: 0] += Double(entry.value)
        }
        let descriptor = Self.descriptor(name, help: help)
        boundedSeries.withLock { families in
            var current = families[name] ?? [:]
            for (key, gauge) in current where series[key] == nil {
                registry.unregisterGauge(gauge)
                current[key] = nil
            }
            for (key, value) in series {
                let gauge = current[key] ?? registry.makeGauge(descriptor: descriptor, labels: [(label, key)])
                gauge.set(value)
                current[key] = gauge
            }
            families[name] = current
        }
    }

    // MARK: The engine's own series

    /// Counts one HTTP request and records its duration. `route` is the route template (`/network/:networkId/peers`),
    /// never the concrete path, so cardinality stays bounded; unmatched paths are `unmatched`.
    /// A method outside ``standardMethods`` is labelled `OTHER`, so a client inventing methods cannot add series.
    func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        let key = RequestSeriesKey(method: Self.standardMethods.contains(method) ? method : "OTHER", route: route, statusClass: status / 100)
        if let series = requestSeries.withLock({ $0[key] }) {
            series.requests.increment()
            series.duration.record(duration)
            return
        }
        let requests = counter(
            "http_requests_total",
            help: "HTTP requests by method, route template and status class",
            labels: [("method", key.method), ("route", route), ("status", "\(key.statusClass)xx")]
        )
        let histogram = histogram(
            "http_request_duration_seconds",
            help: "HTTP request duration by method and route template",
            labels: [("method", key.method), ("route", route)]
        )
        requestSeries.withLock { cache in
            if cache.count < Self.seriesCacheLimit { cache[key] = (requests, histogram) }
        }
        requests.increment()
        histogram.record(duration)
    }

    /// The methods that get a label of their own in the request metrics.
    static let standardMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    /// Counts a request or WebSocket upgrade refused for a missing or invalid token.
    func recordAuthFailure(transport: String) {
        counter(
            "auth_failures_total",
            help: "Requests refused for a missing or invalid token, by transport (http, websocket)",
            labels: [("transport", transport)]
        )
        .increment()
    }

    /// Counts an authentication failure answered late (`delayed`), an IP newly refused (`blocked`), or a request or
    /// upgrade refused without checking its token because its IP is refused (`refused`).
    func recordAuthThrottled(transport: String, action: String) {
        counter(
            "auth_throttled_total",
            help: "Authentication throttling per IP: delayed failures, IPs blocked, invalid tokens refused and valid ones passed while blocked",
            labels: [("transport", transport), ("action", action)]
        ).increment()
    }

    /// Counts a WebSocket refused (or closed) by one of limits.yaml's `websocket:` bounds.
    public func recordWebSocketLimitRejection(limit: String) {
        counter(
            "websocket_limit_rejections_total",
            help: "WebSocket upgrades and messages refused by a limit of limits.yaml, by limit name",
            labels: [("limit", limit)]
        )
        .increment()
    }

    /// Counts a request refused with 429 by the named rate limit.
    func recordRateLimitRejection(limit: String) {
        counter("rate_limit_rejections_total", help: "Requests refused with 429, by rate limit name", labels: [("limit", limit)]).increment()
    }

    /// Counts a request refused with 400 by the route's validation rules.
    func recordValidationFailure(route: String) {
        counter("validation_failures_total", help: "Requests refused with 400 by validation rules, by route template", labels: [("route", route)])
            .increment()
    }

    /// Adds `change` (+1 on open, -1 on close) to the open WebSocket connections gauge.
    func recordWebSocketConnections(_ change: Double) {
        gauge("websocket_connections", help: "Open WebSocket connections on this instance").increment(by: change)
    }

    /// Counts one job run, its failure if any, and its duration.
    func recordJobRun(job: String, failed: Bool, duration: Duration) {
        counter("job_runs_total", help: "Job runs on this instance, failed ones included", labels: [("job", job)]).increment()
        let failures = counter("job_failures_total", help: "Job runs whose handler threw", labels: [("job", job)])
        if failed { failures.increment() }
        histogram("job_duration_seconds", help: "Job run duration", labels: [("job", job)]).record(duration)
    }

    /// Records one store operation's latency.
    func recordStoreOperation(backend: String, operation: String, duration: Duration) {
        let key = backend + "|" + operation
        if let histogram = storeSeries.withLock({ $0[key] }) {
            histogram.record(duration)
            return
        }
        let histogram = histogram(
            "store_operation_duration_seconds",
            help: "Store operation latency by backend and operation",
            labels: [("backend", backend), ("operation", operation)]
        )
        storeSeries.withLock { cache in
            if cache.count < Self.seriesCacheLimit { cache[key] = histogram }
        }
        histogram.record(duration)
    }

    private static func descriptor(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}

/// A counter series resolved once (``EngineMetrics/counterHandle(_:help:labels:)``).
public struct CounterHandle: Sendable {
    let counter: Counter

    /// Adds `amount` (zero only makes the series appear).
    public func increment(by amount: Int = 1) {
        counter.increment(by: Int64(amount))
    }
}

/// The labels of one HTTP request series.
private struct RequestSeriesKey: Hashable {
    let method: String
    let route: String
    let statusClass: Int
}
