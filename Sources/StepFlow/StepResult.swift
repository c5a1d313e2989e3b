/// What one ``StepFlow/applyStep(_:context:)`` did: the new state, the step that ran and its outcome.
public struct StepResult: Sendable {
    /// What happened to the step that ran.
    public enum Outcome: Sendable, Hashable {
        /// The step ran and the state moved on.
        case advanced
        /// A `WaitFor` condition did not hold: the state is unchanged and should be polled again later.
        case waiting
        /// The step threw and a `Retry` handler restarted its group: the state is `start:<retry path>`.
        case retried
        /// No user code ran: the flow was already completed, or only structural transitions were
        /// followed (the completion of the root, or the per-apply bound was reached).
        case noStep
        /// A step failed and no `Retry` restarted it: the flow has failed and its compensations will run, one per
        /// apply (the state is `failed:<root>` followed by the `done:` steps to undo). ``StepResult/error`` is the cause.
        case compensating
        /// A compensation ran (``StepResult/stepPath`` is the step it undid).
        case compensated
    }

    /// The state after the step.
    public let state: FlowState
    /// The path of the item whose transition ran user code (a `Do`, `WaitFor`, `Case` or
    /// `LoopUntil`), or `nil` when none ran.
    public let stepPath: String?
    /// What happened.
    public let outcome: Outcome
    /// The earliest time the next apply can do anything — a `Sleep`'s wake-up, a scheduled poll, a retry's next
    /// attempt, a timeout — or `nil` when the flow sets no time (apply again at once after a step that advanced,
    /// after the caller's own poll interval after `.waiting`). ``FlowTime/distantFuture`` when only a signal can
    /// move the process on. Always `nil` for flows of go-stepflow's six constructs.
    public let notBefore: FlowTime?
    /// The error a step threw, when a `Retry` restarted its group (``Outcome/retried``) or the flow started its
    /// compensation (``Outcome/compensating``).
    public let error: (any Error)?

    @usableFromInline
    init(state: FlowState, stepPath: String?, outcome: Outcome, notBefore: FlowTime? = nil, error: (any Error)? = nil) {
        self.state = state
        self.stepPath = stepPath
        self.outcome = outcome
        self.notBefore = notBefore
        self.error = error
    }
}
