extension StepFlow {
    /// The tree of the flow's items, the root group first.
    public var root: FlowItem {
        item(0)
    }

    private func item(_ id: Int32) -> FlowItem {
        let record = table.items[Int(id)]
        return FlowItem(
            kind: record.kind, name: record.name, path: record.path, children: record.children.map(item),
            hasCompensation: table.extensions.compensations[id] != nil
        )
    }

    /// Every event of the flow (`start:` and `completed:` of every item), in definition order.
    public var events: [String] { table.events }

    /// Every transition of the flow, in definition order, with its possible destinations and their reasons.
    public var transitions: [FlowTransition] {
        table.transitionOrder.map(transition(at:))
    }

    /// The transition leaving `event`, or `nil` if the flow has none (an unknown event, or the root's completion).
    public func transition(from event: String) -> FlowTransition? {
        guard let id = table.index.id(of: event), table.transitions[Int(id)].kind != .none else { return nil }
        return transition(at: id)
    }

    private func transition(at source: Int32) -> FlowTransition {
        let row = table.transitions[Int(source)]
        let item = table.items[Int(row.item)]
        let event = { (id: Int32) in table.events[Int(id)] }
        var destinations: [FlowTransition.Destination]
        switch row.kind {
        case .none:
            destinations = []
        case .structural:
            destinations = [.init(event: event(row.target), reason: .structural)]
        case .action:
            destinations = [.init(event: event(row.target), reason: .completed)]
        case .sleep:
            destinations = [.init(event: event(row.target), reason: .sleepElapsed)]
        case .signal:
            destinations = [.init(event: event(row.target), reason: .signalReceived)]
        case .fork:
            destinations = (table.extensions.branches[row.item] ?? []).map { .init(event: event($0 * 2), reason: .branchStarted) }
        case .join:
            destinations = [.init(event: event(row.target), reason: .allBranchesCompleted)]
        case .condition:
            let (met, notMet): (FlowTransition.Reason, FlowTransition.Reason) =
                switch item.kind {
                case .case: (.caseConditionMet, .caseConditionNotMet)
                case .loopUntil: (.loopUntilConditionMet, .loopUntilConditionNotMet)
                default: (.waitForConditionMet, .waitForConditionNotMet)
                }
            // go-stepflow's order: a Case lists "met" first; WaitFor and LoopUntil list "not met" first.
            let whenMet = FlowTransition.Destination(event: event(row.target), reason: met)
            let whenNotMet = FlowTransition.Destination(event: event(row.alternate), reason: notMet)
            destinations = item.kind == .case ? [whenMet, whenNotMet] : [whenNotMet, whenMet]
        }
        if row.isStep {
            let timeout = table.extensions.waits[row.item]?.timeout ?? table.extensions.signals[row.item]?.timeout
            if row.kind != .sleep, row.kind != .signal || timeout != nil {
                for retry in table.retryScopes(from: row.retry) {
                    destinations.append(.init(event: event(retry.restart), reason: .retry))
                }
            }
            if timeout != nil {
                destinations.append(.init(event: "failed:" + table.name, reason: .timedOut))
            } else if !table.extensions.compensations.isEmpty, row.kind == .action || row.kind == .condition {
                destinations.append(.init(event: "failed:" + table.name, reason: .failed))
            }
        }
        return FlowTransition(source: event(source), itemPath: item.path, isStep: row.isStep, destinations: destinations)
    }

    /// The step the next ``apply(_:context:)`` of `state` will run, found by following structural
    /// transitions only (no user code runs); `nil` when the state is completed or no step is reached
    /// within ``maxTransitionsPerApply`` transitions.
    ///
    /// A runtime uses it to name the step before running it: in logs, metrics and idempotency keys.
    public func nextStep(in state: FlowState) throws -> FlowItem? {
        try nextStepItem(in: state).map(item)
    }

    /// The path of the step ``nextStep(in:)`` finds: what a runtime needs before each step, without making the
    /// step's ``FlowItem``.
    public func nextStepPath(in state: FlowState) throws -> String? {
        try nextStepItem(in: state).map { table.items[Int($0)].path }
    }

    /// The item of the step ``nextStep(in:)`` finds.
    private func nextStepItem(in state: FlowState) throws -> Int32? {
        if table.isExtended {
            // The first branch's step; in a `Parallel` group the step that runs is known only when it runs
            // (see `StepEnvironment.stepWillRun`).
            var parsed = try table.parse(state)
            if let item = parsed.done.last, parsed.ending != nil { return item }
            guard parsed.ending == nil else { return nil }
            try table.settle(&parsed, now: FlowTime(millisecondsSince1970: 0))
            guard let event = parsed.events.first(where: { table.transitions[Int($0)].isStep }) else { return nil }
            return table.transitions[Int(event)].item
        }
        var event = try table.resolve(state)
        for _ in 0..<Self.maxTransitionsPerApply {
            let row = table.transitions[Int(event)]
            switch row.kind {
            case .none: return nil
            case .structural: event = row.target
            case .action, .condition, .sleep, .signal:
                return row.item
            case .fork, .join:
                return nil  // extended flows only, handled above
            }
        }
        return nil
    }
}
