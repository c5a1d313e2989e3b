public import Prometheus
public import StepFlowRuntime
import Synchronization

/// `stepflow_processes{flow,status}`: the store's processes by flow and status (`ProcessStore.statistics(flowName:)`),
/// counted when `/metrics` is scraped, at most once per ``minimumInterval`` (counting
/// reads every process's row: a grouped count, not free on a large store).
public final class ProcessGauges: Sendable {
    /// The store whose processes are counted.
    public let store: any ProcessStore
    /// How long a count is served before the store is asked again.
    public let minimumInterval: Duration
    private let registry: PrometheusCollectorRegistry
    private let state = Mutex<State>(State())

    private struct State {
        var counted: ContinuousClock.Instant?
        var labels: Set<[String]> = []
    }

    /// Gauges in `registry` for the processes of `store`.
    public init(store: any ProcessStore, registry: PrometheusCollectorRegistry, minimumInterval: Duration = .seconds(10)) {
        self.store = store
        self.registry = registry
        self.minimumInterval = minimumInterval
    }

    /// Counts the processes again, unless the last count is younger than ``minimumInterval``; a flow and status
    /// that had processes and has none now reads 0. A store error leaves the gauges as they were.
    public func update() async {
        let now = ContinuousClock.now
        let due = state.withLock { state in
            guard state.counted.map({ now - $0 >= minimumInterval }) ?? true else { return false }
            state.counted = now
            return true
        }
        guard due, let statistics = try? await store.statistics(flowName: nil) else { return }
        var counts: [[String]: Int] = [:]
        for group in statistics.groups { counts[[group.flowName, group.status.rawValue], default: 0] += group.count }
        let descriptor = MetricNameDescriptor(
            metricName: "stepflow_processes", unitName: "", helpText: MetricsExposition.help["stepflow_processes"] ?? ""
        )
        let stale = state.withLock { state in
            defer { state.labels = Set(counts.keys) }
            return state.labels.subtracting(counts.keys)
        }
        for (labels, count) in counts {
            registry.makeGauge(descriptor: descriptor, labels: [("flow", labels[0]), ("status", labels[1])]).set(to: Double(count))
        }
        for labels in stale {
            registry.makeGauge(descriptor: descriptor, labels: [("flow", labels[0]), ("status", labels[1])]).set(to: 0)
        }
    }
}
