public import Foundation
public import Logging
import StepFlow

extension ProcessFlow {
    /// Advances a process by one step: runs it, updates `process` (state, data, counts) and says what to do next.
    ///
    /// It never throws: a step's error (after `Retry` handling) becomes ``NextAction/failed(_:)`` and leaves
    /// the state and data as they were; a state this flow does not know fails the process with a reason that
    /// says so. The flow runs the step and settles the state (`StepFlow.step(_:context:environment:)`: a last step
    /// leaves the flow completed); `StepBookkeeping` turns the result into the next action, attempt and last error.
    ///
    /// - Parameters:
    ///   - process: the process to advance, held by the caller; its state, data and counts are updated in place.
    ///   - now: the current time, from which due times are computed.
    ///   - defaultPollInterval: how long until a `WaitFor` that is not yet true is checked again, unless the flow's
    ///     ``pollIntervals``, the `WaitFor`'s own schedule or the step itself (``StepContext/checkAgain(after:)``) say
    ///     otherwise.
    ///   - signals: the signals the process has received (its inbox, consumed or not), for `AwaitSignal` steps and
    ///     ``StepContext/signal(_:as:)``; a ``ProcessSignal/cancellation`` signal starts the compensations of a process
    ///     that has compensable steps done.
    ///   - logger: where the step's own logs go (``StepContext/logger``).
    public func advance(
        _ process: inout ProcessSnapshot<Input, Data>,
        now: Date,
        defaultPollInterval: Duration = .seconds(5),
        signals: [ProcessSignal] = [],
        logger: Logger
    ) async -> StepReport {
        var progress = ProcessProgress(
            id: process.id, state: process.state, stepCount: process.stepCount, attempt: process.attempt,
            lastError: process.lastError
        )
        var data = process.data
        let report = await advance(
            &progress, input: process.input, data: &data, now: now, defaultPollInterval: defaultPollInterval,
            signals: signals, logger: logger
        )
        process.state = progress.state
        process.data = data
        process.stepCount = progress.stepCount
        process.attempt = progress.attempt
        process.lastError = progress.lastError
        return report
    }

    /// ``advance(_:now:defaultPollInterval:signals:logger:)`` on a process's progress, with its input and data beside
    /// it (see ``ProcessProgress``).
    func advance(
        _ process: inout ProcessProgress, input: Input, data: inout Data, now: Date, defaultPollInterval: Duration,
        signals: [ProcessSignal], logger: Logger
    ) async -> StepReport {
        let before = process.state
        let clock = ContinuousClock()
        let started = clock.now
        var stepPath: String?
        do {
            stepPath = try flow.nextStepPath(in: before)
        } catch {
            let reason = "state \(before) is not a state of flow '\(name)': the flow's definition changed under the process, "
                + "or the process was written by another flow; register the flow version that wrote it and resume the process"
            return failure(&process, reason: reason, stepPath: nil, before: before, now: now, duration: clock.now - started)
        }
        if let report = startCancellation(&process, signals: signals, before: before, now: now, started: started) {
            return report
        }
        let context = Context(
            processID: process.id, flowName: name, stepPath: stepPath ?? "", stepSequence: process.stepCount,
            input: input, data: data, baseLogger: logger, now: now,
            signals: signals, consumedSignals: readsSignals ? flow.consumedSignals(in: before) : [:]
        )
        let result: StepResult
        do {
            result = try await flow.step(before, context: context) { Self.environment(for: context, signals: signals, now: now) }
        } catch {
            stepPath = context.stepPath.isEmpty ? stepPath : context.stepPath
            let reason = "step '\(stepPath ?? name)' failed: \(String(describing: error))"
            context.logger.warning("step failed", metadata: ["stepflow.error": "\(error)"])
            return failure(&process, reason: reason, stepPath: stepPath, before: before, now: now, duration: clock.now - started)
        }
        stepPath = result.stepPath ?? stepPath
        let duration = clock.now - started
        let bookkeeping = StepBookkeeping(
            StepBookkeeping.Step(
                outcome: result.outcome, ending: flow.ending(of: result.state), notBefore: result.notBefore,
                error: result.error.map { String(describing: $0) },
                wasCompensating: readsSignals && flow.isCompensating(before), requestedDelay: context.requestedDelay,
                pollInterval: result.outcome == .waiting ? stepPath.flatMap { pollIntervals[$0] } ?? defaultPollInterval : defaultPollInterval,
                signalRecheckInterval: signalRecheckInterval, stepName: stepPath ?? name
            ),
            attempt: process.attempt, lastError: process.lastError, now: now
        )
        if bookkeeping.outcome == .compensating {
            context.logger.warning("step failed; compensating", metadata: ["stepflow.error": "\(bookkeeping.error ?? "")"])
        }
        process.state = result.state
        data = context.data
        process.stepCount += 1
        process.attempt = bookkeeping.attempt
        process.lastError = bookkeeping.lastError
        return StepReport(
            next: bookkeeping.next, stepPath: stepPath, outcome: bookkeeping.outcome, error: bookkeeping.error,
            before: before, after: result.state, startedAt: now, duration: duration
        )
    }

    /// The environment of an extended flow's step: the time, the signals received by name, a jitter, and the
    /// step's path passed to the context once the interpreter knows it (in a `Parallel` group).
    private static func environment(for context: Context, signals: [ProcessSignal], now: Date) -> StepEnvironment {
        var received: [String: Int] = [:]
        for signal in signals { received[signal.name, default: 0] += 1 }
        return StepEnvironment(
            now: FlowTime(now), receivedSignals: received, jitter: Double.random(in: 0..<1),
            stepWillRun: { path in context.setStepPath(path) }
        )
    }

    /// Starts the compensations of a process asked to stop (a ``ProcessSignal/cancellation`` among its signals)
    /// that has compensable steps done; `nil` when there is no such request or nothing to undo.
    private func startCancellation(
        _ process: inout ProcessProgress, signals: [ProcessSignal], before: FlowState, now: Date,
        started: ContinuousClock.Instant
    ) -> StepReport? {
        guard readsSignals, let cancellation = signals.last(where: { $0.name == ProcessSignal.cancellation }),
            let cancelling = try? flow.cancelling(before)
        else { return nil }
        // The compensations run from the next step on.
        let reason = String(decoding: cancellation.payload, as: UTF8.self)
        process.state = cancelling
        process.stepCount += 1
        process.lastError = reason
        return StepReport(
            next: .dueAt(now), stepPath: nil, outcome: .cancelled, error: reason,
            before: before, after: cancelling, startedAt: now, duration: ContinuousClock.now - started
        )
    }

    private func failure(
        _ process: inout ProcessProgress, reason: String, stepPath: String?, before: FlowState,
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
