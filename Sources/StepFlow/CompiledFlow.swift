import Synchronization

/// The event id of the root's completion in every compiled flow (`completed:` of item 0). Outside the generic class,
/// so that code that is not specialised for a flow's context reads it without looking the class's metadata up.
@usableFromInline let rootCompletedEvent: Int32 = 1

/// A flow compiled into plain data: integer event ids, a transition table indexed by them,
/// and one precomputed ``FlowState`` per event, so that `apply` neither builds strings
/// nor allocates.
///
/// Event ids: item `i` (in definition order, the root is 0) has `start` = `2i`, `completed` = `2i + 1`.
@usableFromInline
final class CompiledFlow<Context>: Sendable {
    /// A process-wide unique number, stamped into the states this flow returns.
    @usableFromInline let identity: UInt64
    /// The root name.
    @usableFromInline let name: String
    /// The event strings, by event id.
    @usableFromInline let events: [String]
    /// One resolved single-event state per event id.
    @usableFromInline let states: [FlowState]
    /// The transition leaving each event id.
    @usableFromInline let transitions: [CompiledTransition]
    /// `Do` actions, by callable index.
    @usableFromInline let actions: [CompiledAction<Context>]
    /// `WaitFor`, `Case` and `LoopUntil` conditions, by callable index.
    @usableFromInline let conditions: [CompiledCondition<Context>]
    /// Retry scopes.
    @usableFromInline let retries: [RetryScope<Context>]
    /// Event string → event id.
    @usableFromInline let index: EventIndex
    /// Every item, by item id.
    let items: [FlowItem.Record]
    /// Every item's path, by item id.
    @usableFromInline let itemPaths: [String]
    /// Event ids with a transition, in definition order (for introspection).
    let transitionOrder: [Int32]
    /// What the constructs beyond go-stepflow's add (empty for a flow made of the six constructs only).
    let extensions: FlowExtensions<Context>
    /// Whether the flow uses constructs beyond go-stepflow's (it is then applied with a `StepEnvironment`).
    @usableFromInline let isExtended: Bool
    /// Whether a step of the flow consumes signals (an `AwaitSignal`): only then does a runtime need to read them.
    let readsSignals: Bool
    /// Whether the flow keeps times in its state (a `Sleep`, a scheduled or timed `WaitFor`, a timed
    /// `AwaitSignal`, a `Retry` policy): only then can an apply report a time to come back (`notBefore`).
    let hasTimers: Bool
    /// The signals the flow's `AwaitSignal` steps wait for, by name, with their payload types.
    let awaitedSignals: [String: any (Decodable & Sendable).Type]

    @usableFromInline static var rootStart: Int32 { 0 }

    init(
        name: String,
        events: [String],
        transitions: [CompiledTransition],
        actions: [CompiledAction<Context>],
        conditions: [CompiledCondition<Context>],
        retries: [RetryScope<Context>],
        items: [FlowItem.Record],
        transitionOrder: [Int32],
        extensions: FlowExtensions<Context>,
        isExtended: Bool
    ) {
        let identity = compiledFlowIdentities.wrappingAdd(1, ordering: .relaxed).oldValue
        self.identity = identity
        self.name = name
        self.events = events
        self.states = events.indices.map { id in
            FlowState(events: [events[id]], resolvedBy: identity, resolvedEvent: Int32(id))
        }
        self.transitions = transitions
        self.actions = actions
        self.conditions = conditions
        self.retries = retries
        self.index = EventIndex(names: events)
        self.items = items
        self.itemPaths = items.map(\.path)
        self.transitionOrder = transitionOrder
        self.extensions = extensions
        self.isExtended = isExtended
        self.readsSignals = !extensions.signals.isEmpty
        self.hasTimers = !extensions.sleeps.isEmpty || !extensions.waits.isEmpty
            || extensions.signals.values.contains { $0.timeout != nil } || retries.contains { $0.policy != nil }
        self.awaitedSignals = extensions.signals.values.reduce(into: [:]) { $0[$1.name] = $1.payloadType }
    }

    /// The event `apply` starts from for `state`: the first event (in order) that has a transition;
    /// the root's start for an empty state; the root's completion for a completed state.
    @inlinable
    func resolve(_ state: FlowState) throws(StepFlowError) -> Int32 {
        if state.resolvedBy == identity { return state.resolvedEvent }
        return try resolveByName(state)
    }

    @usableFromInline
    func resolveByName(_ state: FlowState) throws(StepFlowError) -> Int32 {
        let events = state.events
        if events.isEmpty { return Self.rootStart }
        // One look-up per event: the root's completion (which has no transition) counts only as the
        // whole state; otherwise the first event with a transition wins.
        let single = events.count == 1
        let found = events.withUnsafeBufferPointer { events -> Int32 in
            for event in events {
                guard let id = index.id(of: event) else { continue }
                if id == rootCompletedEvent {
                    if single { return id }
                } else if transitions[Int(id)].kind != .none {
                    return id
                }
            }
            return -1
        }
        if found >= 0 { return found }
        throw StepFlowError.unknownState(state, flow: name)
    }

    /// The result of a step whose closure threw `error`: the retry restart a handler asked for,
    /// or the error that remains (rethrown). Kept out of the inlined hot path.
    @usableFromInline
    @inline(never)
    nonisolated(nonsending) func retried(after error: any Error, in transition: CompiledTransition, context: Context) async throws -> StepMove {
        let restart = try await recover(from: error, scope: transition.retry, context: context)
        return StepMove(event: restart, item: transition.item, outcome: .retried)
    }

    /// The error for an extended flow applied without an environment (kept out of the inlined hot path).
    @usableFromInline
    @inline(never)
    func environmentRequired() -> StepFlowError {
        StepFlowError.environmentRequired(flow: name)
    }

    /// The error for a state this flow cannot continue (kept out of the inlined hot path).
    @usableFromInline
    @inline(never)
    func unknownState(_ state: FlowState) -> StepFlowError {
        StepFlowError.unknownState(state, flow: name)
    }

    /// Offers `error`, thrown by a step transition in retry scope `scope`, to the enclosing retry
    /// handlers, innermost first. Returns the event to restart from, or throws the error that
    /// remains when no handler asks for a retry.
    @usableFromInline
    nonisolated(nonsending) func recover(from error: any Error, scope: Int32, context: Context) async throws -> Int32 {
        var error = error
        for retry in retryScopes(from: scope) {
            if let handler = retry.handler {  // always set in a flow without extensions
                do {
                    if try await handler(context, error) { return retry.restart }
                } catch let handlerError {
                    error = handlerError
                }
            }
        }
        throw error
    }
}

extension CompiledFlow {
    /// The retry scopes enclosing a transition whose innermost scope is `scope`, innermost first (none for `-1`).
    func retryScopes(from scope: Int32) -> RetryScopes<Context> {
        RetryScopes(retries: retries, scope: scope)
    }
}

/// Hands out the identities of compiled flows (a global: generic types cannot have stored statics).
private let compiledFlowIdentities = Atomic<UInt64>(1)
