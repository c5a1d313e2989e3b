/// Turns a flow definition into a ``CompiledFlow``: assigns ids, links events exactly as go-stepflow does, and
/// refuses what go-stepflow refuses: two items with the same path (their events would be one transition source).
///
/// Any name is accepted, as in go-stepflow: empty, or containing `/` or `:`. Paths are names joined by `/`, so
/// `Do("a/b")` and `Steps("a") { Do("b") }` side by side have one path; that collision is the only refusal.
struct FlowCompiler<Context> {
    private let flowName: String
    private var events: [String] = []
    private var transitions: [CompiledTransition] = []
    private var actions: [CompiledAction<Context>] = []
    private var conditions: [CompiledCondition<Context>] = []
    private var retries: [RetryScope<Context>] = []
    private var items: [FlowItem.Record] = []
    private var transitionOrder: [Int32] = []
    /// Item path → item id, to refuse two items with one path anywhere in the flow.
    private var itemIDs: [String: Int32] = [:]
    private var extensions = FlowExtensions<Context>()
    private var isExtended = false
    /// Signal name → payload type, to refuse two `AwaitSignal`s of one name with different payloads.
    private var signalTypes: [String: any (Decodable & Sendable).Type] = [:]

    private init(flowName: String) {
        self.flowName = flowName
    }

    /// Compiles the root group `name` with the given items.
    static func compile(name: String, body: [FlowNode<Context>]) throws(StepFlowError) -> CompiledFlow<Context> {
        var compiler = FlowCompiler(flowName: name)
        let root = try compiler.addItem(kind: .steps, name: name, parent: -1)
        try compiler.linkGroup(root, body: body, retry: -1)
        return CompiledFlow(
            name: name,
            events: compiler.events,
            transitions: compiler.transitions,
            actions: compiler.actions,
            conditions: compiler.conditions,
            retries: compiler.retries,
            items: compiler.items,
            transitionOrder: compiler.transitionOrder,
            extensions: compiler.finishedExtensions(),
            isExtended: compiler.isExtended
        )
    }

    /// The extensions, with the path index when the flow uses any construct beyond go-stepflow's.
    private func finishedExtensions() -> FlowExtensions<Context> {
        var extensions = self.extensions
        if isExtended { extensions.itemIDs = itemIDs }
        return extensions
    }

    private static func start(_ item: Int32) -> Int32 { item * 2 }
    private static func completed(_ item: Int32) -> Int32 { item * 2 + 1 }

    /// Adds an item; throws ``StepFlowError/Code/duplicatePath`` when another item of the flow has its path.
    private mutating func addItem(kind: FlowItem.Kind, name: String, parent: Int32) throws(StepFlowError) -> Int32 {
        let id = Int32(items.count)
        let path = parent < 0 ? name : items[Int(parent)].path + "/" + name
        guard itemIDs.updateValue(id, forKey: path) == nil else { throw .duplicatePath(path, flow: flowName) }
        items.append(FlowItem.Record(kind: kind, name: name, path: path, parent: parent, children: []))
        if parent >= 0 { items[Int(parent)].children.append(id) }
        events.append("start:" + path)
        events.append("completed:" + path)
        transitions.append(.none)
        transitions.append(.none)
        return id
    }

    private mutating func setTransition(_ source: Int32, _ transition: CompiledTransition) throws(StepFlowError) {
        guard transitions[Int(source)].kind == .none else {
            throw .duplicatePath(String(events[Int(source)].drop { $0 != ":" }.dropFirst()), flow: flowName)
        }
        transitions[Int(source)] = transition
        transitionOrder.append(source)
    }

    private mutating func link(_ source: Int32, to target: Int32, item: Int32, retry: Int32) throws(StepFlowError) {
        try setTransition(source, CompiledTransition(kind: .structural, target: target, alternate: -1, callable: -1, retry: retry, item: item))
    }

    private mutating func addCondition(
        _ condition: nonisolated(nonsending) @escaping @Sendable (Context) async throws -> Bool,
        at source: Int32, ifTrue: Int32, ifFalse: Int32, item: Int32, retry: Int32
    ) throws(StepFlowError) {
        conditions.append(CompiledCondition(condition))
        try setTransition(source, CompiledTransition(
            kind: .condition, target: ifTrue, alternate: ifFalse,
            callable: Int32(conditions.count - 1), retry: retry, item: item
        ))
    }

    /// Links a group: start → first item, each completion → next start, last completion → group completion.
    private mutating func linkGroup(_ group: Int32, body: [FlowNode<Context>], retry: Int32) throws(StepFlowError) {
        var previous = Self.start(group)
        for node in body {
            let position = transitionOrder.count
            let item = try addNode(node, parent: group, retry: retry)
            try link(previous, to: Self.start(item), item: group, retry: retry)
            // List the link into the item before the item's own transitions, as go-stepflow does.
            transitionOrder.insert(transitionOrder.removeLast(), at: position)
            previous = Self.completed(item)
        }
        try link(previous, to: Self.completed(group), item: group, retry: retry)
    }

    private mutating func addNode(_ node: FlowNode<Context>, parent: Int32, retry: Int32) throws(StepFlowError) -> Int32 {
        let parentPath = items[Int(parent)].path
        switch node {
        case let .run(name, action):
            let item = try addItem(kind: .do, name: name, parent: parent)
            actions.append(CompiledAction(action))
            try setTransition(Self.start(item), CompiledTransition(
                kind: .action, target: Self.completed(item), alternate: -1,
                callable: Int32(actions.count - 1), retry: retry, item: item
            ))
            return item

        case let .waitFor(name, condition):
            let item = try addItem(kind: .waitFor, name: name + "WaitFor", parent: parent)
            try addCondition(condition, at: Self.start(item), ifTrue: Self.completed(item), ifFalse: Self.start(item), item: item, retry: retry)
            return item

        case let .branch(name, condition, body):
            let item = try addItem(kind: .case, name: name + "Case", parent: parent)
            let steps = try addItem(kind: .steps, name: "steps", parent: item)
            try addCondition(condition, at: Self.start(item), ifTrue: Self.start(steps), ifFalse: Self.completed(item), item: item, retry: retry)
            try link(Self.completed(steps), to: Self.completed(item), item: item, retry: retry)
            try linkGroup(steps, body: body, retry: retry)
            return item

        case let .loop(name, condition, body):
            let item = try addItem(kind: .loopUntil, name: name + "LoopUntil", parent: parent)
            let steps = try addItem(kind: .steps, name: "steps", parent: item)
            try link(Self.start(item), to: Self.start(steps), item: item, retry: retry)
            try addCondition(condition, at: Self.completed(steps), ifTrue: Self.completed(item), ifFalse: Self.start(steps), item: item, retry: retry)
            try linkGroup(steps, body: body, retry: retry)
            return item

        case let .retry(name, handler, body):
            let item = try addItem(kind: .retry, name: name + "Retry", parent: parent)
            retries.append(RetryScope(handler: handler, policy: nil, retryIf: nil, restart: Self.start(item), parent: retry, item: item))
            try linkGroup(item, body: body, retry: Int32(retries.count - 1))
            return item

        case let .group(name, body):
            let item = try addItem(kind: .steps, name: name, parent: parent)
            try linkGroup(item, body: body, retry: retry)
            return item

        case let .sleep(name, duration):
            isExtended = true
            let item = try addItem(kind: .sleep, name: name + "Sleep", parent: parent)
            extensions.sleeps[item] = duration
            try setTransition(Self.start(item), CompiledTransition(
                kind: .sleep, target: Self.completed(item), alternate: -1, callable: -1, retry: retry, item: item
            ))
            return item

        case let .scheduledWait(name, condition, schedule, timeout):
            isExtended = true
            let item = try addItem(kind: .waitFor, name: name + "WaitFor", parent: parent)
            extensions.waits[item] = .init(schedule: schedule, timeout: timeout)
            try addCondition(condition, at: Self.start(item), ifTrue: Self.completed(item), ifFalse: Self.start(item), item: item, retry: retry)
            return item

        case let .awaitSignal(name, payloadType, timeout):
            isExtended = true
            if let known = signalTypes[name], known != payloadType {
                throw .invalidDefinition(
                    "flow '\(flowName)': two AwaitSignal steps wait for the signal '\(name)' with different payload types "
                        + "(\(known) and \(payloadType)); a signal's payload type must be the same everywhere in a flow",
                    path: parentPath + "/" + name
                )
            }
            signalTypes[name] = payloadType
            let item = try addItem(kind: .awaitSignal, name: name + "AwaitSignal", parent: parent)
            extensions.signals[item] = .init(name: name, payloadType: payloadType, timeout: timeout)
            try setTransition(Self.start(item), CompiledTransition(
                kind: .signal, target: Self.completed(item), alternate: -1, callable: -1, retry: retry, item: item
            ))
            return item

        case let .retryPolicy(name, policy, retryIf, body):
            isExtended = true
            guard policy.maxAttempts >= 1 else {
                throw .invalidDefinition(
                    "flow '\(flowName)': Retry '\(name)' has maxAttempts \(policy.maxAttempts); it must be at least 1",
                    path: parentPath + "/" + name + "Retry"
                )
            }
            let item = try addItem(kind: .retry, name: name + "Retry", parent: parent)
            retries.append(RetryScope(handler: nil, policy: policy, retryIf: retryIf, restart: Self.start(item), parent: retry, item: item))
            try linkGroup(item, body: body, retry: Int32(retries.count - 1))
            return item

        case let .compensableRun(name, action, compensation):
            isExtended = true
            let item = try addNode(.run(name: name, action: action), parent: parent, retry: retry)
            extensions.compensations[item] = CompiledAction(compensation)
            return item

        case let .parallel(name, branches):
            isExtended = true
            let item = try addItem(kind: .parallel, name: name + "Parallel", parent: parent)
            guard !branches.isEmpty else {
                throw .invalidDefinition("flow '\(flowName)': Parallel '\(name)' has no branch", path: items[Int(item)].path)
            }
            try setTransition(Self.start(item), CompiledTransition(
                kind: .fork, target: -1, alternate: -1, callable: -1, retry: retry, item: item
            ))
            var ids: [Int32] = []
            for branch in branches {
                let id = try addItem(kind: .branch, name: branch.name, parent: item)
                ids.append(id)
                extensions.parallelOfBranch[id] = item
                try linkGroup(id, body: branch.body, retry: retry)
                try setTransition(Self.completed(id), CompiledTransition(
                    kind: .join, target: Self.completed(item), alternate: -1, callable: -1, retry: retry, item: item
                ))
            }
            extensions.branches[item] = ids
            return item
        }
    }
}
