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
    }

    /// The state after the step.
    public let state: FlowState
    /// The path of the item whose transition ran user code (a `Do`, `WaitFor`, `Case` or
    /// `LoopUntil`), or `nil` when none ran.
    public let stepPath: String?
    /// What happened.
    public let outcome: Outcome

    @usableFromInline
    init(state: FlowState, stepPath: String?, outcome: Outcome) {
        self.state = state
        self.stepPath = stepPath
        self.outcome = outcome
    }
}
