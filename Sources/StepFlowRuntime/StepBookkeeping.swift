import Foundation
import StepFlow

/// What a durable step's result means for its process — what to do next, the attempt count, the last error and
/// the history outcome — decided from plain values, with no closure, no store and no clock.
///
/// | the step's result | next | attempt | last error | history |
/// | --- | --- | --- | --- | --- |
/// | the flow completed | completed | 0 | kept | completed |
/// | the last compensation ran | failed / cancelled, with the saved cause | 0 | kept | compensated |
/// | waiting | due at the flow's time, else after the requested delay, else the poll interval | +1 | cleared, kept while compensating | waiting |
/// | retried | due at the flow's time, else after the requested delay, else now | +1 | the error, kept while compensating | retried |
/// | compensating | due now | 0 | "step … failed: …" | compensating |
/// | compensated (more to undo) | due now | 0 | kept | compensated |
/// | advanced, no step | due at the flow's time, else after the requested delay, else now | 0 | cleared | advanced |
///
/// A flow time of ``FlowTime/distantFuture`` (only a signal can move the process on) is capped at
/// `now + signalRecheckInterval`, so that a signal that came while the step ran is still seen.
struct StepBookkeeping: Sendable, Hashable {
    /// What the step's result says, as values.
    struct Step: Sendable, Hashable {
        /// The outcome the flow reported.
        var outcome: StepResult.Outcome
        /// How the flow ends in the state after the step (`nil`: it runs on).
        var ending: FlowEnding?
        /// The earliest time the flow can do anything next, if it says.
        var notBefore: FlowTime?
        /// The error the step threw, described, for `retried` and `compensating`.
        var error: String?
        /// Whether the process was running its compensations before the step.
        var wasCompensating: Bool
        /// The delay the step asked for (``StepContext/checkAgain(after:)``).
        var requestedDelay: Duration?
        /// The poll interval of the step (the flow's for its path, else the worker's).
        var pollInterval: Duration
        /// How long a process waiting only for a signal sleeps before it looks at its inbox again.
        var signalRecheckInterval: Duration
        /// The name of the step in messages: its path, or the flow's name.
        var stepName: String

        /// A step's result as values.
        init(
            outcome: StepResult.Outcome, ending: FlowEnding? = nil, notBefore: FlowTime? = nil, error: String? = nil,
            wasCompensating: Bool = false, requestedDelay: Duration? = nil, pollInterval: Duration = .seconds(5),
            signalRecheckInterval: Duration = .seconds(60), stepName: String
        ) {
            self.outcome = outcome
            self.ending = ending
            self.notBefore = notBefore
            self.error = error
            self.wasCompensating = wasCompensating
            self.requestedDelay = requestedDelay
            self.pollInterval = pollInterval
            self.signalRecheckInterval = signalRecheckInterval
            self.stepName = stepName
        }
    }

    /// What to do next.
    var next: NextAction
    /// The history outcome.
    var outcome: HistoryEntry.Outcome
    /// The process's attempt count after the step.
    var attempt: Int
    /// The process's last error after the step.
    var lastError: String?
    /// The error the history entry records.
    var error: String?

    /// A bookkeeping with every value given.
    init(next: NextAction, outcome: HistoryEntry.Outcome, attempt: Int, lastError: String?, error: String?) {
        (self.next, self.outcome, self.attempt, self.lastError, self.error) = (next, outcome, attempt, lastError, error)
    }

    /// The bookkeeping of `step`, for a process that had `attempt` and `lastError` before it, at `now`.
    init(_ step: Step, attempt: Int, lastError: String?, now: Date) {
        self.error = nil
        self.lastError = lastError
        switch step.ending {
        case .completed:
            (next, outcome, self.attempt) = (.completed, .completed, 0)
            return
        case let ending?:
            // The last compensation ran: the process ends with the cause saved when the compensations began.
            let cause = lastError ?? "failed"
            next = ending == .cancelled ? .cancelled(cause) : .failed("\(cause) (compensated)")
            (outcome, self.attempt) = (.compensated, 0)
            return
        case nil:
            break
        }
        let flowTime = step.notBefore.map {
            $0 == .distantFuture ? now.addingTimeInterval(step.signalRecheckInterval.timeInterval) : $0.date
        }
        switch step.outcome {
        case .waiting:
            (outcome, self.attempt) = (.waiting, attempt + 1)
            if !step.wasCompensating { self.lastError = nil }
            let delay = step.requestedDelay ?? step.pollInterval
            next = .dueAt(flowTime ?? now.addingTimeInterval(delay.timeInterval))
        case .retried:
            (outcome, self.attempt) = (.retried, attempt + 1)
            error = step.error
            // A retried compensation keeps the cause of the failure it compensates as the process's last error.
            if !step.wasCompensating { self.lastError = step.error }
            next = .dueAt(flowTime ?? now.addingTimeInterval(step.requestedDelay?.timeInterval ?? 0))
        case .compensating:
            let reason = "step '\(step.stepName)' failed: \(step.error ?? "unknown error")"
            (outcome, self.attempt, error, self.lastError) = (.compensating, 0, reason, reason)
            next = .dueAt(now)
        case .compensated:
            (outcome, self.attempt) = (.compensated, 0)
            next = .dueAt(now)
        case .advanced, .noStep:
            (outcome, self.attempt, self.lastError) = (.advanced, 0, nil)
            next = .dueAt(flowTime ?? now.addingTimeInterval(step.requestedDelay?.timeInterval ?? 0))
        }
    }
}
