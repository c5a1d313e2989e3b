/// One row of a compiled flow's transition table: what happens at one event.
///
/// Plain integers only, so the table is a flat array and following a transition is an index.
@usableFromInline
struct CompiledTransition: Sendable {
    /// How the transition is taken.
    @usableFromInline
    enum Kind: UInt8, Sendable {
        /// No transition leaves this event (only the root's completion).
        case none
        /// Goes to `target` without running user code.
        case structural
        /// Runs `actions[callable]`, then goes to `target`.
        case action
        /// Evaluates `conditions[callable]`: `true` → `target`, `false` → `alternate`.
        case condition
        /// A `Sleep`: goes to `target` once its time has come (extended flows only).
        case sleep
        /// An `AwaitSignal`: goes to `target` once a signal is there (extended flows only).
        case signal
        /// The start of a `Parallel`: one event per branch (extended flows only).
        case fork
        /// The completion of a `Branch`: `target` (the `Parallel`'s completion) once every branch has completed.
        case join
    }

    @usableFromInline var kind: Kind
    /// The next event (for a condition: when it holds).
    @usableFromInline var target: Int32
    /// For a condition: the next event when it does not hold.
    @usableFromInline var alternate: Int32
    /// Index into the flow's actions or conditions.
    @usableFromInline var callable: Int32
    /// The innermost enclosing retry scope, or `-1`.
    @usableFromInline var retry: Int32
    /// The item that owns this transition.
    @usableFromInline var item: Int32

    static let none = CompiledTransition(kind: .none, target: -1, alternate: -1, callable: -1, retry: -1, item: -1)

    /// Whether taking this transition runs user code (a step transition).
    @inlinable
    var isStep: Bool { kind == .action || kind == .condition || kind == .sleep || kind == .signal }
}

/// A `Retry` group, compiled: its handler, the event that restarts it, and the enclosing scope.
@usableFromInline
struct RetryScope<Context>: Sendable {
    /// The handler of a `Retry` with a handler; `nil` for one with a policy.
    @usableFromInline let handler: (nonisolated(nonsending) @Sendable (Context, any Error) async throws -> Bool)?
    /// The policy of a `Retry` with a policy.
    let policy: RetryPolicy?
    /// Which errors the policy retries (all when `nil`).
    let retryIf: (@Sendable (any Error) -> Bool)?
    /// `start:<retry path>`.
    @usableFromInline let restart: Int32
    /// The enclosing retry scope, or `-1`.
    @usableFromInline let parent: Int32
    /// The retry group's item id.
    @usableFromInline let item: Int32

    /// What this group's policy decides after `error`: the next attempt, or `nil` when it does not retry (a group
    /// with a handler, an error `retryIf` refuses, or no attempt left).
    func policyAttempt(after error: any Error, failedSoFar: Int, now: FlowTime, jitterFraction: Double) -> ExtendedState.RetryMark? {
        guard let policy, retryIf?(error) ?? true else { return nil }
        return policy.nextAttempt(failedSoFar: failedSoFar, now: now, jitterFraction: jitterFraction)
    }
}

/// A `Do` action, as stored in a compiled flow.
///
/// The closure is wrapped in a struct so that it is stored at its natural abstraction (`Context`
/// passed indirectly, as `Do` receives it). Stored directly as the element of an array, a function is
/// kept at the array's maximal abstraction, and every call then goes through a reabstraction thunk
/// and its partial-application forwarder: two more async frames to allocate and free per step
/// (measured with callgrind: about a quarter of a `WaitFor` poll's instructions).
@usableFromInline
struct CompiledAction<Context>: Sendable {
    @usableFromInline let run: nonisolated(nonsending) @Sendable (Context) async throws -> Void

    init(_ run: nonisolated(nonsending) @escaping @Sendable (Context) async throws -> Void) {
        self.run = run
    }
}

/// A `WaitFor`, `Case` or `LoopUntil` condition, as stored in a compiled flow (wrapped for the
/// same reason as ``CompiledAction``).
@usableFromInline
struct CompiledCondition<Context>: Sendable {
    @usableFromInline let evaluate: nonisolated(nonsending) @Sendable (Context) async throws -> Bool

    init(_ evaluate: nonisolated(nonsending) @escaping @Sendable (Context) async throws -> Bool) {
        self.evaluate = evaluate
    }
}
