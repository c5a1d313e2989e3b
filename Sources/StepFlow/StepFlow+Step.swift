extension StepFlow {
    /// Runs the next step of `state`, for any flow, and settles the apply: when only structural transitions are
    /// left before the flow's end, they are taken too, so a step that was the last one returns the completed state.
    ///
    /// This is what a runtime calls for each durable step. A flow of go-stepflow's six constructs takes the inlined
    /// table path of ``applyStep(_:context:)`` (`environment` is not called); an extended flow is applied with the
    /// environment `environment` returns, and its interpreter settles the state itself.
    ///
    /// - Throws: like ``applyStep(_:context:environment:)``; the caller's `state` is untouched.
    @inlinable @inline(__always)
    nonisolated(nonsending) public func step(
        _ state: FlowState, context: Context, environment: () -> StepEnvironment
    ) async throws -> StepResult {
        if table.isExtended {
            return try await applyStep(state, context: context, environment: environment())
        }
        var move = try await advance(state, context: context, stepWillRun: nil)
        if move.outcome != .waiting, move.event >= 0 { move.event = table.settledEnd(from: move.event) }
        return StepResult(
            state: move.event < 0 ? state : table.states[Int(move.event)],
            stepPath: move.item < 0 ? nil : table.itemPaths[Int(move.item)],
            outcome: move.outcome
        )
    }
}

extension CompiledFlow {
    /// `event`, or the event where the structural transitions that follow it stop when no step is left on the way
    /// (the root's completion, or the per-apply bound); otherwise `event` itself: what the next apply would reach without running user code.
    @usableFromInline
    func settledEnd(from event: Int32) -> Int32 {
        var reached = event
        for _ in 0..<StepFlow<Context>.maxTransitionsPerApply {
            if reached == rootCompletedEvent { return reached }
            let row = transitions[Int(reached)]
            guard row.kind == .structural else { return event }
            reached = row.target
        }
        return reached
    }
}
