public import Foundation
public import StepFlow

/// One applied step of a process, as recorded in its history.
public struct HistoryEntry: Sendable, Hashable {
    /// What the step did.
    public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
        /// The step ran and the process moved on.
        case advanced
        /// A `WaitFor` condition did not hold yet.
        case waiting
        /// The step threw and a `Retry` restarted its group.
        case retried
        /// The process reached the end of its flow with this step.
        case completed
        /// The step (or the runtime, for a defect) failed the process.
        case failed
        /// A step failed and no `Retry` restarted it: the compensations of the steps done start.
        case compensating
        /// A compensation ran (the step path is the step it undid).
        case compensated
        /// The process was asked to stop: its compensations start (the error is the reason given). Also written
        /// when a client cancels a process that has nothing to undo: it stops at once (the `reason` is the one given,
        /// `worker` the caller).
        case cancelled
        /// An operator paused the process (``StepFlowClient/pause(_:reason:by:)``).
        case paused
        /// An operator unpaused the process (``StepFlowClient/unpause(_:by:)``).
        case unpaused
        /// A client made the process due now (``StepFlowClient/wake(_:)``).
        case woken
        /// A client made a failed process run again (``StepFlowClient/resume(_:)``).
        case resumed
        /// A client changed the process's labels (``StepFlowClient/setLabels(_:_:by:)``).
        case labelled
        /// An operator moved the process back to a step, to run it again from there.
        case rewound
        /// An operator moved the process to another version of its flow.
        case migrated
    }

    /// The process's step count after this step (1 for its first step).
    public var sequence: Int
    /// When the step started.
    public var startedAt: Date
    /// The path of the step that ran, when one did.
    public var stepPath: String?
    /// The state before the step.
    public var before: FlowState
    /// The state after the step (unchanged when it failed).
    public var after: FlowState
    /// How long the step took.
    public var duration: Duration
    /// What the step did.
    public var outcome: Outcome
    /// The error, when the step failed or was retried.
    public var error: String?
    /// The worker that applied the step.
    public var worker: String
    /// The lease token the worker held while it applied the step.
    public var leaseToken: Int64
    /// The reason an operator gave for an operation (pause, cancel, rewind…), or `nil`. For an operator's entry,
    /// ``worker`` names the caller (the `by` of the call, or `client`), and ``sequence`` is the step count at the time
    /// of the operation (so it may repeat the sequence of the step before it).
    public var reason: String?
    /// How many consecutive polls of one wait this entry stands for: a `WaitFor` that did not hold yet, polled
    /// again and again, is one entry, updated at each poll (see ``absorbsPoll(_:)``). 1 for every other entry.
    public var polls: Int = 1
    /// When the last of those polls started (`nil` while the entry stands for one poll; ``startedAt`` is the first's).
    public var lastPolledAt: Date?

    /// An entry with every field given.
    public init(
        sequence: Int, startedAt: Date, stepPath: String?, before: FlowState, after: FlowState,
        duration: Duration, outcome: Outcome, error: String?, worker: String, leaseToken: Int64,
        reason: String? = nil, polls: Int = 1, lastPolledAt: Date? = nil
    ) {
        self.sequence = sequence
        self.startedAt = startedAt
        self.stepPath = stepPath
        self.before = before
        self.after = after
        self.duration = duration
        self.outcome = outcome
        self.error = error
        self.worker = worker
        self.leaseToken = leaseToken
        self.reason = reason
        self.polls = polls
        self.lastPolledAt = lastPolledAt
    }
}
