import Metrics
import Synchronization

/// The metrics a worker reports through swift-metrics (a no-op until the application bootstraps a backend, for
/// instance Prometheus with `StepFlowObservability`):
///
/// | label | kind | meaning |
/// | --- | --- | --- |
/// | `stepflow_steps_total` (dimensions `flow`, `outcome`) | counter | steps saved: advanced, waiting, retried, completed, failed, compensating, compensated, cancelled |
/// | `stepflow_saves_rejected_total` | counter | step results dropped because the worker no longer held the process |
/// | `stepflow_step_duration_seconds` | timer | how long steps took |
/// | `stepflow_round_duration_seconds` | timer | how long each of the worker's rounds with the store took (a claim, a save, or a save with the next claim) |
/// | `stepflow_due_backlog` | gauge | processes due when the worker last looked |
/// | `stepflow_scheduling_lag_seconds` | gauge | how late the oldest due process was when the worker last looked (0 when none is late) |
/// | `stepflow_store_errors_total` | counter | store errors the worker recovered from |
struct RuntimeMetrics: Sendable {
    let savesRejected: Counter
    let stepDuration: Timer
    let roundDuration: Timer
    let dueBacklog: Gauge
    let schedulingLag: Gauge
    let storeErrors: Counter
    private let factory: any MetricsFactory
    /// The counters of the flows known when the worker was made, looked up without a lock.
    private let known: [String: StepCounters]
    /// The counters of other flows (a process whose flow is not registered), made when first needed.
    private let others = OtherFlows()

    /// The counters of flows not registered with the worker, behind a lock.
    private final class OtherFlows: Sendable {
        let counters = Mutex<[String: StepCounters]>([:])
    }

    /// The step counters of one flow, one per outcome a worker's step has (in ``RuntimeMetrics/stepOutcomes`` order).
    struct StepCounters: Sendable {
        let byOutcome: [Counter]

        init(flow: String, factory: any MetricsFactory) {
            byOutcome = RuntimeMetrics.stepOutcomes.map { outcome in
                Counter(label: "stepflow_steps_total", dimensions: [("flow", flow), ("outcome", outcome.rawValue)], factory: factory)
            }
        }
    }

    /// The outcomes of workers' steps (the others are operators' entries), in the order of ``index(of:)``.
    static let stepOutcomes: [HistoryEntry.Outcome] = [
        .advanced, .waiting, .retried, .completed, .failed, .compensating, .compensated, .cancelled,
    ]

    init(factory: any MetricsFactory, flows: [String] = []) {
        self.factory = factory
        savesRejected = Counter(label: "stepflow_saves_rejected_total", factory: factory)
        stepDuration = Timer(label: "stepflow_step_duration_seconds", factory: factory)
        roundDuration = Timer(label: "stepflow_round_duration_seconds", factory: factory)
        dueBacklog = Gauge(label: "stepflow_due_backlog", factory: factory)
        schedulingLag = Gauge(label: "stepflow_scheduling_lag_seconds", factory: factory)
        storeErrors = Counter(label: "stepflow_store_errors_total", factory: factory)
        known = Dictionary(uniqueKeysWithValues: flows.map { ($0, StepCounters(flow: $0, factory: factory)) })
    }

    /// The counters of `flow` (`unknown` when the record could not be read).
    private func counters(_ flow: String?) -> StepCounters {
        let flow = flow ?? "unknown"
        if let counters = known[flow] { return counters }
        return others.counters.withLock { others in
            if let counters = others[flow] { return counters }
            let counters = StepCounters(flow: flow, factory: factory)
            others[flow] = counters
            return counters
        }
    }

    /// Counts a saved step of `flow` by its outcome (failed without a history entry) and records its duration.
    func recordSaved(_ entry: HistoryEntry?, flow: String?) {
        let counters = counters(flow)
        guard let entry else {
            counters.byOutcome[Self.index(of: .failed) ?? 0].increment()
            return
        }
        guard let index = Self.index(of: entry.outcome) else { return }
        counters.byOutcome[index].increment()
        stepDuration.recordNanoseconds(StoredColumns.nanoseconds(entry.duration))
    }

    /// Records how long a round with the store took.
    func recordRound(_ duration: Duration) {
        roundDuration.recordNanoseconds(StoredColumns.nanoseconds(duration))
    }

    /// The position of `outcome` in ``stepOutcomes``; `nil` for an operator's entry.
    private static func index(of outcome: HistoryEntry.Outcome) -> Int? {
        switch outcome {
        case .advanced: 0
        case .waiting: 1
        case .retried: 2
        case .completed: 3
        case .failed: 4
        case .compensating: 5
        case .compensated: 6
        case .cancelled: 7
        case .paused, .unpaused, .woken, .resumed, .labelled, .rewound, .migrated: nil  // operators' entries, never a worker's step
        }
    }
}
