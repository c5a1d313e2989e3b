extension StepFlow {
    /// The most transitions one `apply` follows, structural ones included (go-stepflow's bound).
    public static var maxTransitionsPerApply: Int { 100 }

    /// Advances `state` by exactly one step and returns the new state.
    ///
    /// Structural transitions are followed until one step transition (a `Do` action or a condition)
    /// has run; the state it produced is returned without going further. A completed state is returned
    /// unchanged. An empty state starts the flow.
    ///
    /// The steps run on the caller's executor: `apply` and the flow's closures are
    /// `nonisolated(nonsending)`, so nothing hops to another executor. Called from an actor (or the
    /// main actor), the step's closure runs on that actor, and `context` never leaves it, so a
    /// `Context` that is not `Sendable` (say, a class owned by the actor) can be passed. Called from
    /// a nonisolated task, the closure runs on the global concurrent executor. A closure
    /// that needs another actor awaits it itself. (A function value of the plain
    /// `@Sendable (Context) async throws -> …` type, which is `@concurrent`, still runs on the global
    /// concurrent executor: the compiler's conversion thunk hops there and back.)
    ///
    /// - Throws: the error thrown by the step, unchanged, when no enclosing `Retry` asks to restart;
    ///   ``StepFlowError`` (``StepFlowError/Code/unknownState``) when the state has no event this flow knows.
    ///   The caller's `state` is untouched, so it can be retried or recorded.
    @inlinable @inline(__always)
    nonisolated(nonsending) public func apply(_ state: FlowState, context: Context) async throws -> FlowState {
        if table.isExtended { throw table.environmentRequired() }
        let move = try await advance(state, context: context, stepWillRun: nil)
        return move.event < 0 ? state : table.states[Int(move.event)]
    }

    /// Advances `state` by exactly one step, like ``apply(_:context:)``, and says which step ran and how.
    ///
    /// Like `apply`, it runs the step on the caller's executor.
    @inlinable @inline(__always)
    nonisolated(nonsending) public func applyStep(_ state: FlowState, context: Context) async throws -> StepResult {
        if table.isExtended { throw table.environmentRequired() }
        let move = try await advance(state, context: context, stepWillRun: nil)
        return StepResult(
            state: move.event < 0 ? state : table.states[Int(move.event)],
            stepPath: move.item < 0 ? nil : table.itemPaths[Int(move.item)],
            outcome: move.outcome
        )
    }

    // Performance: `advance` is the hot path, inlined into the caller on purpose. Specialised in the caller's module,
    // it calls the step's closure directly (no generic dispatch, no reabstraction thunk) and costs no async frame or
    // executor hop of its own; inlining keeps every hop that is not redundant, so the semantics are unchanged. It
    // returns integers only and `apply` / `applyStep` pick the state and path from the table, which keeps the inlined
    // code small (and within what the optimiser compiles reliably); everything rare (errors, retries, unknown states)
    // is in non-inlined functions of `CompiledFlow`. The measurements behind these choices are in
    // Benchmarks/RESULTS.md (rounds 1 and 2).
    /// Follows `state` by one step: the event reached (`-1`: `state` unchanged), the item whose
    /// transition ran user code (`-1`: none) and the outcome.
    @inlinable @inline(__always)
    nonisolated(nonsending) func advance(
        _ state: FlowState, context: Context, stepWillRun: (@Sendable (String) -> Void)?
    ) async throws -> StepMove {
        let table = self.table
        var event = try table.resolve(state)
        if event == rootCompletedEvent {
            return StepMove(event: -1, item: -1, outcome: .noStep)
        }
        // Structural transitions run no user code: follow them synchronously, up to the bound.
        var budget = Self.maxTransitionsPerApply
        var transition: CompiledTransition
        while true {
            if event == rootCompletedEvent || budget == 0 {
                return StepMove(event: event, item: -1, outcome: .noStep)
            }
            budget -= 1
            transition = table.transitions[Int(event)]
            guard transition.kind == .structural else { break }
            event = transition.target
        }
        if let stepWillRun { stepWillRun(table.itemPaths[Int(transition.item)]) }
        switch transition.kind {
        case .action:
            do {
                try await table.actions[Int(transition.callable)].run(context)
            } catch {
                return try await table.retried(after: error, in: transition, context: context)
            }
            return StepMove(event: transition.target, item: transition.item, outcome: .advanced)
        case .condition:
            let holds: Bool
            do {
                holds = try await table.conditions[Int(transition.callable)].evaluate(context)
            } catch {
                return try await table.retried(after: error, in: transition, context: context)
            }
            let next = holds ? transition.target : transition.alternate
            return StepMove(event: next, item: transition.item, outcome: next == event ? .waiting : .advanced)
        case .structural, .none, .sleep, .signal, .fork, .join:
            // `.structural` cannot reach here; `.none` only for the root's completion, handled above; the others
            // belong to extended flows, which never come here.
            throw table.unknownState(state)
        }
    }
}

/// Where one step of `apply` led, in event and item ids (see `StepFlow.advance`).
@usableFromInline
struct StepMove {
    /// The event reached, or `-1` when the state is returned unchanged.
    @usableFromInline var event: Int32
    /// The item whose transition ran user code, or `-1`.
    @usableFromInline var item: Int32
    @usableFromInline var outcome: StepResult.Outcome

    @inlinable
    init(event: Int32, item: Int32, outcome: StepResult.Outcome) {
        self.event = event
        self.item = item
        self.outcome = outcome
    }
}
