extension StepFlow {
    /// Advances `state` by one step, like ``applyStep(_:context:)``, for any flow — including those with timers,
    /// signals, parallel branches or compensations, which need the time and the signals received.
    ///
    /// For a flow of go-stepflow's six constructs it is exactly ``applyStep(_:context:)`` (the environment is
    /// used only for ``StepEnvironment/stepWillRun``). For an extended flow:
    /// - a `Sleep`, a scheduled `WaitFor` or a `Retry` policy that is not due yet runs nothing and reports
    ///   ``StepResult/Outcome/waiting`` with ``StepResult/notBefore``;
    /// - in a `Parallel` group, the first branch that is ready runs one step;
    /// - a step error that no `Retry` handles starts the compensation when a compensable `Do` has completed
    ///   (``StepResult/Outcome/compensating``); otherwise it is thrown, and `state` stays as it was.
    ///
    /// - Throws: the step's error, unchanged; ``StepFlowError`` (``StepFlowError/Code/unknownState``) for a state
    ///   this flow cannot read; a compensation's error (the state stays as it was, so the compensation is tried
    ///   again by the next apply).
    nonisolated(nonsending) public func applyStep(
        _ state: FlowState, context: Context, environment: StepEnvironment
    ) async throws -> StepResult {
        guard table.isExtended else {
            let move = try await advance(state, context: context, stepWillRun: environment.stepWillRun)
            return StepResult(
                state: move.event < 0 ? state : table.states[Int(move.event)],
                stepPath: move.item < 0 ? nil : table.itemPaths[Int(move.item)],
                outcome: move.outcome
            )
        }
        return try await table.advanceExtended(state, context: context, environment: environment)
    }

    /// Advances `state` by one step with `environment` and returns the new state (see
    /// ``applyStep(_:context:environment:)``).
    nonisolated(nonsending) public func apply(
        _ state: FlowState, context: Context, environment: StepEnvironment
    ) async throws -> FlowState {
        try await applyStep(state, context: context, environment: environment).state
    }

    /// Whether the flow uses constructs beyond go-stepflow's six (`Sleep`, `AwaitSignal`, scheduled `WaitFor`,
    /// `Retry` policies, `Parallel`, compensations), and so must be applied with a ``StepEnvironment``.
    public var isExtended: Bool { table.isExtended }

    /// Whether a step of the flow consumes signals (it has an `AwaitSignal`): a runtime reads a process's signals
    /// for its applies only then. Computed once, when the flow is built.
    public var readsSignals: Bool { table.readsSignals }

    /// Whether the flow keeps times in its state (a `Sleep`, a scheduled or timed `WaitFor`, a timed `AwaitSignal`, a
    /// `Retry` policy), so that an apply may report ``StepResult/notBefore``. Computed once, when the flow is built.
    public var hasTimers: Bool { table.hasTimers }

    /// The signals the flow's `AwaitSignal` steps wait for, by name, with their payload types (computed once, when
    /// the flow is built).
    public var awaitedSignals: [String: any (Decodable & Sendable).Type] { table.awaitedSignals }

    /// How a process in `state` ended, or `nil` while it runs (compensations still to run count as running).
    public func ending(of state: FlowState) -> FlowEnding? {
        if isCompleted(state) { return .completed }
        guard table.isExtended, let parsed = try? table.parse(state), parsed.done.isEmpty else { return nil }
        switch parsed.ending {
        case .failed: return .failed
        case .cancelled: return .cancelled
        case nil: return nil
        }
    }

    /// Whether `state` is running compensations (the flow failed or was cancelled, and steps remain to undo).
    public func isCompensating(_ state: FlowState) -> Bool {
        guard table.isExtended, let parsed = try? table.parse(state) else { return false }
        return parsed.ending != nil && !parsed.done.isEmpty
    }

    /// The state that cancels a process in `state`: `[cancelled:<root>, done:…]`, whose applies run the
    /// compensations of the steps done, last first. `nil` when there is nothing to undo (no compensable step has
    /// completed, or the process already ended): the caller then simply stops the process.
    public func cancelling(_ state: FlowState) throws -> FlowState? {
        guard table.isExtended else { return nil }
        let parsed = try table.parse(state)
        guard parsed.ending == nil, !isCompleted(state), !parsed.done.isEmpty else { return nil }
        return table.encode(ExtendedState(ending: .cancelled, done: parsed.done))
    }

    /// How many signals of each name the process in `state` has consumed (its `AwaitSignal` steps that completed).
    public func consumedSignals(in state: FlowState) -> [String: Int] {
        guard table.isExtended, let parsed = try? table.parse(state) else { return [:] }
        return parsed.consumedSignals
    }
}

/// How a process ended.
public enum FlowEnding: Sendable, Hashable {
    /// It ran to the end: `[completed:<root>]`.
    case completed
    /// A step failed and the compensations of the steps done have run: `[failed:<root>]`.
    case failed
    /// It was cancelled and the compensations of the steps done have run: `[cancelled:<root>]`.
    case cancelled
}
