public import Foundation
public import Logging
import StepFlow

extension ProcessFlow {
    /// Advances a process by one step: runs it, updates `process` (state, data, counts) and says what to do next.
    ///
    /// It never throws: a step's error (after `Retry` handling) becomes ``NextAction/failed(_:)`` and leaves
    /// the state and data as they were; a state this flow does not know fails the process with a reason that
    /// says so. When the step ran was the last one, the structural completion of the flow is applied too, so a
    /// completed process needs no extra round.
    ///
    /// - Parameters:
    ///   - now: the current time, from which due times are computed.
    ///   - defaultPollInterval: how long until a `WaitFor` that is not yet true is checked again, unless the flow's
    ///     ``pollIntervals`` or the step itself (``StepContext/checkAgain(after:)``) say otherwise.
    public func advance(
        _ process: inout ProcessSnapshot<Input, Data>,
        now: Date,
        defaultPollInterval: Duration = .seconds(5),
        logger: Logger
    ) async -> StepReport {
        let before = process.state
        let clock = ContinuousClock()
        let started = clock.now
        let stepPath: String?
        do {
            stepPath = try flow.nextStep(in: before)?.path
        } catch {
            let reason = "state \(before) is not a state of flow '\(name)': the flow's definition changed under the process, "
                + "or the process was written by another flow; register the flow version that wrote it and resume the process"
            return failure(&process, reason: reason, stepPath: nil, before: before, now: now, duration: clock.now - started)
        }
        let context = Context(
            processID: process.id, flowName: name, stepPath: stepPath ?? "", stepSequence: process.stepCount,
            input: process.input, data: process.data, baseLogger: logger, now: now
        )
        var result: StepResult
        do {
            result = try await flow.applyStep(before, context: context)
            if result.outcome != .waiting, !flow.isCompleted(result.state), try flow.nextStep(in: result.state) == nil {
                // Only structural transitions are left before the end: take them now rather than in another round.
                result = try await flow.applyStep(result.state, context: context)
            }
        } catch {
            let reason = "step '\(stepPath ?? name)' failed: \(String(describing: error))"
            context.logger.warning("step failed", metadata: ["stepflow.error": "\(error)"])
            return failure(&process, reason: reason, stepPath: stepPath, before: before, now: now, duration: clock.now - started)
        }
        let duration = clock.now - started
        process.state = result.state
        process.data = context.data
        process.stepCount += 1

        let outcome: HistoryEntry.Outcome
        let next: NextAction
        if flow.isCompleted(result.state) {
            process.attempt = 0
            outcome = .completed
            next = .completed
        } else {
            switch result.outcome {
            case .waiting:
                process.attempt += 1
                outcome = .waiting
                let delay = context.requestedDelay ?? stepPath.flatMap { pollIntervals[$0] } ?? defaultPollInterval
                next = .dueAt(now.addingTimeInterval(delay.timeInterval))
            case .retried:
                process.attempt += 1
                outcome = .retried
                next = .dueAt(now.addingTimeInterval(context.requestedDelay?.timeInterval ?? 0))
            case .advanced, .noStep:
                process.attempt = 0
                outcome = .advanced
                next = .dueAt(now.addingTimeInterval(context.requestedDelay?.timeInterval ?? 0))
            }
        }
        return StepReport(
            next: next, stepPath: stepPath, outcome: outcome, error: nil,
            before: before, after: result.state, startedAt: now, duration: duration
        )
    }

    private func failure(
        _ process: inout ProcessSnapshot<Input, Data>, reason: String, stepPath: String?, before: FlowState,
        now: Date, duration: Duration
    ) -> StepReport {
        process.stepCount += 1
        return StepReport(
            next: .failed(reason), stepPath: stepPath, outcome: .failed, error: reason,
            before: before, after: before, startedAt: now, duration: duration
        )
    }
}
