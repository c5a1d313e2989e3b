import Tracing

/// What a step's span says once the step has run: its name (the step's path), its attributes and, for a step
/// that threw, the error and the error status.
///
/// | attribute | value |
/// | --- | --- |
/// | `stepflow.process.id` | the process's id |
/// | `stepflow.flow` | the flow's name |
/// | `stepflow.step` | the step's path |
/// | `stepflow.outcome` | `advanced`, `waiting`, `retried`, `completed`, `failed`, `compensating`, `compensated`, `cancelled` |
/// | `stepflow.attempt` | the process's attempt after the step (polls and retries of the same step) |
/// | `stepflow.lease_token` | the fencing token the worker held |
/// | `stepflow.worker` | the worker's id |
enum StepSpan {
    /// Names `span` after the step that ran and sets its attributes and status from `update`.
    static func finish(_ span: any Span, update: ProcessUpdate, flowName: String?, worker: String) {
        let entry = update.history
        let outcome = entry?.outcome ?? .failed
        if let path = entry?.stepPath, path != span.operationName { span.operationName = path }
        span.updateAttributes { attributes in
            attributes["stepflow.process.id"] = update.id.rawValue
            if let flowName { attributes["stepflow.flow"] = flowName }
            if let path = entry?.stepPath { attributes["stepflow.step"] = path }
            attributes["stepflow.outcome"] = outcome.rawValue
            attributes["stepflow.attempt"] = update.attempt
            attributes["stepflow.lease_token"] = update.leaseToken
            attributes["stepflow.worker"] = worker
        }
        guard let error = entry?.error ?? (entry == nil ? update.lastError : nil) else { return }
        switch outcome {
        case .failed, .retried, .compensating:
            span.recordError(StepSpanError(message: error))
            span.setStatus(SpanStatus(code: .error, message: error))
        case .advanced, .waiting, .completed, .compensated, .cancelled, .paused, .unpaused, .woken, .resumed, .labelled, .rewound, .migrated:
            break
        }
    }
}

/// The error a step threw, as its span records it: the message the process's history keeps.
struct StepSpanError: Error, CustomStringConvertible {
    /// What the step's history entry says.
    let message: String
    var description: String { message }
}
