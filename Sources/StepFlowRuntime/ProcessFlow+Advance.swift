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
    ///     ``pollIntervals``, the `WaitFor`'s own schedule or the step itself (``StepContext/checkAgain(after:)``) say
    ///     otherwise.
    ///   - signals: the signals the process has received (its inbox, consumed or not), for `AwaitSignal` steps and
    ///     ``StepContext/signal(_:as:)``; a ``ProcessSignal/cancellation`` signal starts the compensations of a process
    ///     that has compensable steps done.
    public func advance(
        _ process: inout ProcessSnapshot<Input, Data>,
        now: Date,
        defaultPollInterval: Duration = .seconds(5),
        signals: [ProcessSignal] = [],
        logger: Logger
    ) async -> StepReport {
        let before = process.state
        let clock = ContinuousClock()
        let started = clock.now
        var stepPath: String?
        do {
            stepPath = try flow.nextStep(in: before)?.path
        } catch {
            let reason = "state \(before) is not a state of flow '\(name)': the flow's definition changed under the process, "
                + "or the process was written by another flow; register the flow version that wrote it and resume the process"
            return failure(&process, reason: reason, stepPath: nil, before: before, now: now, duration: clock.now - started)
        }
        if let cancellation = signals.last(where: { $0.name == ProcessSignal.cancellation }),
            let cancelling = try? flow.cancelling(before)
        {
            // A cancellation asked for while compensable steps are done: the compensations run from the next round.
            let reason = String(decoding: cancellation.payload, as: UTF8.self)
            process.state = cancelling
            process.stepCount += 1
            process.lastError = reason
            return StepReport(
                next: .dueAt(now), stepPath: nil, outcome: .cancelled, error: reason,
                before: before, after: cancelling, startedAt: now, duration: clock.now - started
            )
        }
        let context = Context(
            processID: process.id, flowName: name, stepPath: stepPath ?? "", stepSequence: process.stepCount,
            input: process.input, data: process.data, baseLogger: logger, now: now,
            signals: signals, consumedSignals: flow.isExtended ? flow.consumedSignals(in: before) : [:]
        )
        var result: StepResult
        do {
            if flow.isExtended {
                var received: [String: Int] = [:]
                for signal in signals { received[signal.name, default: 0] += 1 }
                let environment = StepEnvironment(
                    now: FlowTime(now), receivedSignals: received, jitter: Double.random(in: 0..<1),
                    stepWillRun: { path in context.setStepPath(path) }
                )
                result = try await flow.applyStep(before, context: context, environment: environment)
            } else {
                // go-stepflow's constructs: the inlined table path, specialised here (the step was named above).
                result = try await flow.applyStep(before, context: context)
                if result.outcome != .waiting, !flow.isCompleted(result.state), try flow.nextStep(in: result.state) == nil {
                    // Only structural transitions are left before the end: take them now rather than in another round.
                    result = try await flow.applyStep(result.state, context: context)
                }
            }
        } catch {
            stepPath = context.stepPath.isEmpty ? stepPath : context.stepPath
            let reason = "step '\(stepPath ?? name)' failed: \(String(describing: error))"
            context.logger.warning("step failed", metadata: ["stepflow.error": "\(error)"])
            return failure(&process, reason: reason, stepPath: stepPath, before: before, now: now, duration: clock.now - started)
        }
        stepPath = result.stepPath ?? stepPath
        let duration = clock.now - started
        let compensating = flow.isExtended && flow.isCompensating(before)
        process.state = result.state
        process.data = context.data
        process.stepCount += 1

        let outcome: HistoryEntry.Outcome
        let next: NextAction
        var error: String?
        /// When the flow says the next apply is useful; `distantFuture` (only a signal can help) is capped so that a
        /// signal that came while this step ran is still seen.
        let flowTime = result.notBefore.map { $0 == .distantFuture ? now.addingTimeInterval(signalRecheckInterval.timeInterval) : $0.date }
        if flow.isCompleted(result.state) {
            process.attempt = 0
            outcome = .completed
            next = .completed
        } else if let ending = flow.ending(of: result.state) {
            // The last compensation ran: the process ends as failed or cancelled, with the cause saved when it began.
            process.attempt = 0
            outcome = .compensated
            let cause = process.lastError ?? "failed"
            next = ending == .cancelled ? .cancelled(cause) : .failed("\(cause) (compensated)")
        } else {
            switch result.outcome {
            case .waiting:
                process.attempt += 1
                outcome = .waiting
                if !compensating { process.lastError = nil }
                let delay = context.requestedDelay ?? stepPath.flatMap { pollIntervals[$0] } ?? defaultPollInterval
                next = .dueAt(flowTime ?? now.addingTimeInterval(delay.timeInterval))
            case .retried:
                process.attempt += 1
                outcome = .retried
                error = result.error.map { String(describing: $0) }
                // A retried compensation keeps the cause of the failure it compensates as the process's last error.
                if !compensating { process.lastError = error }
                next = .dueAt(flowTime ?? now.addingTimeInterval(context.requestedDelay?.timeInterval ?? 0))
            case .compensating:
                process.attempt = 0
                outcome = .compensating
                let reason = "step '\(stepPath ?? name)' failed: \(result.error.map { String(describing: $0) } ?? "unknown error")"
                error = reason
                process.lastError = reason
                context.logger.warning("step failed; compensating", metadata: ["stepflow.error": "\(reason)"])
                next = .dueAt(now)
            case .compensated:
                process.attempt = 0
                outcome = .compensated
                next = .dueAt(now)
            case .advanced, .noStep:
                process.attempt = 0
                outcome = .advanced
                process.lastError = nil
                next = .dueAt(flowTime ?? now.addingTimeInterval(context.requestedDelay?.timeInterval ?? 0))
            }
        }
        return StepReport(
            next: next, stepPath: stepPath, outcome: outcome, error: error,
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

extension FlowTime {
    /// The time of `date`, to the millisecond.
    init(_ date: Date) {
        self.init(millisecondsSince1970: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// The time as a `Date`.
    var date: Date {
        Date(timeIntervalSince1970: Double(millisecondsSince1970) / 1000)
    }
}
