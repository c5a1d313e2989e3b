extension StepFlow {
    /// The most transitions one `apply` follows, structural ones included (go-stepflow's bound).
    public static var maxTransitionsPerApply: Int { 100 }

    /// Advances `state` by exactly one step and returns the new state.
    ///
    /// Structural transitions are followed until one step transition (a `Do` action or a condition)
    /// has run; the state it produced is returned without going further. A completed state is returned
    /// unchanged. An empty state starts the flow.
    ///
    /// - Throws: the error thrown by the step, unchanged, when no enclosing `Retry` asks to restart;
    ///   ``StepFlowError`` (``StepFlowError/Code/unknownState``) when the state has no event this flow knows.
    ///   The caller's `state` is untouched, so it can be retried or recorded.
    @inlinable
    public func apply(_ state: FlowState, context: Context) async throws -> FlowState {
        try await applyStep(state, context: context).state
    }

    /// Advances `state` by exactly one step, like ``apply(_:context:)``, and says which step ran and how.
    @inlinable
    public func applyStep(_ state: FlowState, context: Context) async throws -> StepResult {
        let table = self.table
        var event = try table.resolve(state)
        if event == CompiledFlow<Context>.rootCompleted {
            return StepResult(state: state, stepPath: nil, outcome: .noStep)
        }
        for _ in 0..<Self.maxTransitionsPerApply {
            if event == CompiledFlow<Context>.rootCompleted { break }
            let transition = table.transitions[Int(event)]
            switch transition.kind {
            case .structural:
                event = transition.target
                continue
            case .action:
                do {
                    try await table.actions[Int(transition.callable)](context)
                } catch {
                    let restart = try await table.recover(from: error, scope: transition.retry, context: context)
                    return StepResult(state: table.states[Int(restart)], stepPath: table.itemPaths[Int(transition.item)], outcome: .retried)
                }
                return StepResult(state: table.states[Int(transition.target)], stepPath: table.itemPaths[Int(transition.item)], outcome: .advanced)
            case .condition:
                let holds: Bool
                do {
                    holds = try await table.conditions[Int(transition.callable)](context)
                } catch {
                    let restart = try await table.recover(from: error, scope: transition.retry, context: context)
                    return StepResult(state: table.states[Int(restart)], stepPath: table.itemPaths[Int(transition.item)], outcome: .retried)
                }
                let next = holds ? transition.target : transition.alternate
                return StepResult(
                    state: table.states[Int(next)], stepPath: table.itemPaths[Int(transition.item)],
                    outcome: next == event ? .waiting : .advanced
                )
            case .none:
                throw StepFlowError.unknownState(state, flow: table.name)
            }
        }
        return StepResult(state: table.states[Int(event)], stepPath: nil, outcome: .noStep)
    }
}
