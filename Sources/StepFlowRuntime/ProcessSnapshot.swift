public import Foundation
public import StepFlow

/// A durable process's state and typed data, held by the caller: what ``ProcessFlow/advance(_:now:defaultPollInterval:signals:logger:)``
/// reads and updates.
///
/// Callers that bring their own scheduler and storage (a Kubernetes reconciler keeping it in a resource's
/// status, a cron job) keep a snapshot, advance it by one step, store it, and act on the returned
/// ``NextAction``.
public struct ProcessSnapshot<Input: Sendable, Data: Sendable>: Sendable {
    /// The process's identifier.
    public var id: ProcessID
    /// Where the process is in its flow.
    public var state: FlowState
    /// The input it was started with.
    public var input: Input
    /// Its data, changed by its steps.
    public var data: Data
    /// How many steps have been applied.
    public var stepCount: Int
    /// How many consecutive applies of the current step did not move on.
    public var attempt: Int

    /// The last error saved with the process: the cause of a failure whose compensations are running.
    public var lastError: String?

    /// A snapshot; a new process has an empty state and zero counts.
    public init(id: ProcessID, state: FlowState = FlowState(), input: Input, data: Data, stepCount: Int = 0, attempt: Int = 0, lastError: String? = nil) {
        self.lastError = lastError
        self.id = id
        self.state = state
        self.input = input
        self.data = data
        self.stepCount = stepCount
        self.attempt = attempt
    }
}

/// What a scheduler should do after a step — it maps directly to a reconciler's result.
public enum NextAction: Sendable, Hashable {
    /// The process ran to the end of its flow: stop scheduling it.
    case completed
    /// Run the next step at this time (now, for a step that moved on; later, for a poll or a requested delay) —
    /// a reconciler returns `RequeueAfter: date - now`.
    case dueAt(Date)
    /// The process failed with this reason: stop scheduling it and report the reason.
    case failed(String)
    /// The process was cancelled (after its compensations ran), for the reason given.
    case cancelled(String)
}

/// What one step of a durable process did, for its history and for its scheduler.
public struct StepReport: Sendable {
    /// What to do next.
    public var next: NextAction
    /// The path of the step that ran, if one did.
    public var stepPath: String?
    /// What the step did.
    public var outcome: HistoryEntry.Outcome
    /// The error, for a failed or retried step.
    public var error: String?
    /// The state before the step.
    public var before: FlowState
    /// The state after the step (the same as `before` when it failed).
    public var after: FlowState
    /// When the step started.
    public var startedAt: Date
    /// How long it took.
    public var duration: Duration
}
