public import Prometheus
import Metrics

/// StepFlow's metrics in Prometheus' text format: a swift-metrics backend on a `PrometheusCollectorRegistry`, with
/// histogram buckets that suit steps (external calls: 1 ms to 10 min).
///
/// ```swift
/// let registry = StepFlowMetrics.bootstrap()   // once per program, before the worker is made
/// ```
public enum StepFlowMetrics {
    /// The buckets of `stepflow_step_duration_seconds` and `stepflow_round_duration_seconds`: 1 ms to 10 min.
    public static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
        .seconds(60), .seconds(120), .seconds(300), .seconds(600),
    ]

    /// A swift-metrics factory that records into `registry`, with StepFlow's buckets.
    public static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = durationBuckets
        return factory
    }

    /// Bootstraps swift-metrics' `MetricsSystem` with a Prometheus backend (once per program, like every
    /// `MetricsSystem.bootstrap`) and returns its registry, to serve with ``ObservabilityServer`` or
    /// ``ObservabilityRoutes``.
    @discardableResult
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(factory(registry: registry))
        return registry
    }
}
