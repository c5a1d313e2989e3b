import Metrics

/// The metrics a worker reports through swift-metrics (a no-op until the application bootstraps a backend):
///
/// | label | kind | meaning |
/// | --- | --- | --- |
/// | `stepflow_steps_total` (dimension `outcome`) | counter | steps saved: advanced, waiting, retried, completed, failed, compensating, compensated, cancelled |
/// | `stepflow_saves_rejected_total` | counter | step results dropped because the worker no longer held the process |
/// | `stepflow_step_duration_seconds` | timer | how long steps took |
/// | `stepflow_due_backlog` | gauge | processes due when the worker last looked |
/// | `stepflow_store_errors_total` | counter | store errors the worker recovered from |
struct RuntimeMetrics: Sendable {
    let stepsAdvanced: Counter
    let stepsWaiting: Counter
    let stepsRetried: Counter
    let stepsCompleted: Counter
    let stepsFailed: Counter
    let stepsCompensating: Counter
    let stepsCompensated: Counter
    let stepsCancelled: Counter
    let savesRejected: Counter
    let stepDuration: Timer
    let dueBacklog: Gauge
    let storeErrors: Counter

    init(factory: any MetricsFactory) {
        func steps(_ outcome: String) -> Counter {
            Counter(label: "stepflow_steps_total", dimensions: [("outcome", outcome)], factory: factory)
        }
        stepsAdvanced = steps("advanced")
        stepsWaiting = steps("waiting")
        stepsRetried = steps("retried")
        stepsCompleted = steps("completed")
        stepsFailed = steps("failed")
        stepsCompensating = steps("compensating")
        stepsCompensated = steps("compensated")
        stepsCancelled = steps("cancelled")
        savesRejected = Counter(label: "stepflow_saves_rejected_total", factory: factory)
        stepDuration = Timer(label: "stepflow_step_duration_seconds", factory: factory)
        dueBacklog = Gauge(label: "stepflow_due_backlog", factory: factory)
        storeErrors = Counter(label: "stepflow_store_errors_total", factory: factory)
    }

    func recordSaved(_ entry: HistoryEntry?) {
        guard let entry else {
            stepsFailed.increment()
            return
        }
        switch entry.outcome {
        case .advanced: stepsAdvanced.increment()
        case .waiting: stepsWaiting.increment()
        case .retried: stepsRetried.increment()
        case .completed: stepsCompleted.increment()
        case .failed: stepsFailed.increment()
        case .compensating: stepsCompensating.increment()
        case .compensated: stepsCompensated.increment()
        case .cancelled: stepsCancelled.increment()
        case .paused, .unpaused, .woken, .resumed, .labelled, .rewound, .migrated:
            break  // operators' entries: written by a client's command, never by a worker's step
        }
        let (seconds, attoseconds) = entry.duration.components
        stepDuration.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
