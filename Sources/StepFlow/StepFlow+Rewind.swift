/// Moving a process to a chosen step: the states an operator's rewind, or a move to another version of the flow,
/// write. Pure functions of the flow and a state; nothing runs.
///
/// A state "about to run step X" is the one go-stepflow itself writes when X is next and has not run:
/// `["start:<path of X>"]` (a `WaitFor` that did not hold yet is stored exactly so). `apply` resolves that event
/// and runs X. An extended flow keeps its compensation records (`done:`) and consumed-signal counts (`signal:`)
/// after the event; its timers (`sleep:`, `wait:`, `retry:`) start afresh when the step is reached.
extension StepFlow {
    /// The steps a process of this flow can be moved to, as `list`'s AT column writes them: paths relative to the
    /// root (`shouldDeployCase/steps/createDeployRequest`), in definition order.
    ///
    /// They are the items that run user code or wait — `Do`, `WaitFor`, `Case`, `Sleep`, `AwaitSignal` — and the
    /// `LoopUntil` and `Parallel` groups as a whole (the loop, or every branch, from its start). Items inside a
    /// `Parallel` branch are not: a state names one event per branch, so one branch cannot be moved alone.
    public var stepTargets: [String] {
        targetItems.map(relativePath(of:))
    }

    /// The state in which step `step` is about to run, keeping the records of `state` that stay true: compensation
    /// records (`done:`) of the steps before `step`, in definition order, and the counts of consumed signals. The
    /// records of `step` and of the steps after it are dropped; so are the ending of a failed or cancelled flow and
    /// every timer, which starts afresh when its step is reached.
    ///
    /// `step` is written as ``stepTargets`` lists it, as the full path with the root's name, or as the last name of
    /// the path when only one target has it (`createDeployRequest`). A state this flow cannot read (written by
    /// another version) keeps no record.
    ///
    /// - Throws: ``StepFlowError`` with code ``StepFlowError/Code/invalidTarget`` for a path that is not a target
    ///   (unknown, inside a `Parallel` branch, or a group); its message lists the targets.
    public func rewound(_ state: FlowState, to step: String) throws(StepFlowError) -> FlowState {
        let target = try targetItem(step)
        guard table.isExtended, let parsed = try? table.parse(state) else {
            return self.state(at: target, done: [], consumedSignals: [:])
        }
        return self.state(at: target, done: parsed.done.filter { $0 < target }, consumedSignals: parsed.consumedSignals)
    }

    /// The state in which step `step` is about to run, with the given compensation records (relative paths of
    /// compensable steps that completed, in completion order) and consumed-signal counts. A flow of go-stepflow's
    /// constructs writes neither, so for it they are ignored. Used to move a process onto this flow from another one.
    ///
    /// - Throws: ``StepFlowError`` ``StepFlowError/Code/invalidTarget`` when `step` is not a target, or when a
    ///   compensation record names no compensable step of this flow.
    public func state(
        about step: String, compensationRecords: [String] = [], consumedSignals: [String: Int] = [:]
    ) throws(StepFlowError) -> FlowState {
        let target = try targetItem(step)
        var done: [Int32] = []
        if table.isExtended {
            for record in compensationRecords {
                guard let item = table.extensions.itemIDs[table.name + "/" + record], table.extensions.compensations[item] != nil
                else {
                    let known = table.extensions.compensations.keys.sorted().map { relativePath(of: $0) }
                    throw .invalidTarget(
                        "flow '\(name)' has no compensable step '\(record)'; its compensable steps are: "
                            + (known.isEmpty ? "none" : known.joined(separator: ", "))
                    )
                }
                done.append(item)
            }
        }
        return state(at: target, done: done, consumedSignals: table.isExtended ? consumedSignals : [:])
    }

    /// Where a process in `state` is, as a target of ``stepTargets``: the step it runs next; for a process inside a
    /// `Parallel` group, that group; for a process at a `LoopUntil`'s condition, the loop. `nil` for a completed
    /// process.
    ///
    /// - Throws: ``StepFlowError`` ``StepFlowError/Code/unknownState`` for a state this flow does not know, or for
    ///   a flow that ended and is running (or has run) its compensations: it is at no step.
    public func position(of state: FlowState) throws(StepFlowError) -> String? {
        if isCompleted(state) { return nil }
        var item: Int32
        if table.isExtended {
            var parsed = try table.parse(state)
            if parsed.ending != nil {
                throw .unreadableState(state, flow: name, reason: "the flow has ended and runs its compensations; it is at no step")
            }
            try table.settle(&parsed, now: FlowTime(millisecondsSince1970: 0))
            if parsed.events == [rootCompletedEvent] { return nil }
            guard let event = parsed.events.first else { throw table.unknownState(state) }
            item = table.transitions[Int(event)].item
        } else {
            let step: FlowItem?
            do {
                step = try nextStep(in: state)
            } catch let error as StepFlowError {
                throw error
            } catch {
                throw table.unknownState(state)
            }
            guard let step, let id = itemID(ofPath: step.path) else { return nil }
            item = id
        }
        // The outermost enclosing `Parallel` (the item itself for a fork or join), else the item.
        var current = item
        while current >= 0 {
            if table.items[Int(current)].kind == .parallel { item = current }
            current = table.items[Int(current)].parent
        }
        return relativePath(of: item)
    }

    /// The compensation records of `state`: relative paths of the compensable steps that completed, in completion
    /// order (none for a state this flow cannot read).
    public func compensationRecords(in state: FlowState) -> [String] {
        guard table.isExtended, let parsed = try? table.parse(state) else { return [] }
        return parsed.done.map(relativePath(of:))
    }

    // MARK: - Private

    /// The item ids of ``stepTargets``.
    private var targetItems: [Int32] {
        table.items.indices.compactMap { index -> Int32? in
            let item = Int32(index)
            let kind = table.items[index].kind
            guard kind.isStep || kind == .case || kind == .loopUntil || kind == .parallel else { return nil }
            var parent = table.items[index].parent
            while parent >= 0 {
                if table.items[Int(parent)].kind == .parallel { return nil }
                parent = table.items[Int(parent)].parent
            }
            return item
        }
    }

    /// The target `step` names (see ``rewound(_:to:)``), or an error listing the targets.
    private func targetItem(_ step: String) throws(StepFlowError) -> Int32 {
        let targets = targetItems
        if let exact = targets.first(where: { relativePath(of: $0) == step || table.items[Int($0)].path == step }) {
            return exact
        }
        let named = targets.filter { table.items[Int($0)].name == step }
        if named.count == 1 { return named[0] }
        let listed = targets.map(relativePath(of:)).joined(separator: ", ")
        let reason: String
        if named.count > 1 {
            reason = "several steps are named '\(step)'; write its path"
        } else if let item = itemID(ofPath: table.name + "/" + step) ?? itemID(ofPath: step) ?? itemID(named: step) {
            let kind = table.items[Int(item)].kind
            reason = kind == .steps || kind == .retry || kind == .branch
                ? "'\(step)' is a group (\(kind)), not a step" : "'\(step)' is inside a Parallel branch, which cannot be moved alone"
        } else {
            reason = "it has no step '\(step)'"
        }
        throw .invalidTarget("flow '\(name)': \(reason); the steps that can be targeted are: \(listed)")
    }

    /// The id of the item with this full path (a linear search: for operators' commands, not for steps).
    private func itemID(ofPath path: String) -> Int32? {
        table.items.firstIndex { $0.path == path }.map { Int32($0) }
    }

    /// The id of the only item with this last name, if only one has it.
    private func itemID(named name: String) -> Int32? {
        let named = table.items.indices.filter { $0 > 0 && table.items[$0].name == name }
        return named.count == 1 ? Int32(named[0]) : nil
    }

    /// An item's path without the root's name: as `list`'s AT column writes it.
    private func relativePath(of item: Int32) -> String {
        let path = table.items[Int(item)].path
        return item == 0 ? path : String(path.dropFirst(table.name.count + 1))
    }

    /// The state in which `item` is about to run, with these records.
    private func state(at item: Int32, done: [Int32], consumedSignals: [String: Int]) -> FlowState {
        let start = CompiledFlow<Context>.start(item)
        guard table.isExtended else { return table.states[Int(start)] }
        return table.encode(ExtendedState(events: [start], consumedSignals: consumedSignals, done: done))
    }
}
