import Metrics

/// The metrics a worker reports through swift-metrics (a no-op until the application bootstraps a backend).
struct RuntimeMetrics: Sendable {
    /// Steps applied and saved, by outcome.
    let stepsAdvanced = Counter(label: "stepflow_steps_total", dimensions: [("outcome", "advanced")])
    let stepsWaiting = Counter(label: "stepflow_steps_total", dimensions: [("outcome", "waiting")])
    let stepsRetried = Counter(label: "stepflow_steps_total", dimensions: [("outcome", "retried")])
    let stepsCompleted = Counter(label: "stepflow_steps_total", dimensions: [("outcome", "completed")])
    let stepsFailed = Counter(label: "stepflow_steps_total", dimensions: [("outcome", "failed")])
    /// Saves rejected because the worker no longer held the process.
    let savesRejected = Counter(label: "stepflow_saves_rejected_total")
    /// How long steps take.
    let stepDuration = Timer(label: "stepflow_step_duration_seconds")
    /// How many processes were due when the worker last looked.
    let dueBacklog = Gauge(label: "stepflow_due_backlog")
    /// Store errors the worker recovered from.
    let storeErrors = Counter(label: "stepflow_store_errors_total")

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
        }
        let (seconds, attoseconds) = entry.duration.components
        stepDuration.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
