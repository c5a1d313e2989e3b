/// A flow: a named list of steps, compiled once into a transition table.
///
/// ```swift
/// let flow = try StepFlow<Deploy>("deploy.v1") {
///     Do("getPreActualState") { context in try await context.collector.trigger() }
///     WaitFor("preActualState") { context in try await context.collector.isDone() }
///     Case("shouldDeploy", when: { context in context.needsDeploy }) {
///         Do("createDeployRequest") { context in try await context.git.openPullRequest() }
///         WaitFor("acceptedDeployRequest") { context in try await context.git.isMerged() }
///     }
/// }
///
/// var state = FlowState()
/// while !flow.isCompleted(state) {
///     state = try await flow.apply(state, context: deploy)  // one step; save `state` here
/// }
/// ```
///
/// A `StepFlow` is an immutable, `Sendable` value: build it once and share it between tasks.
/// `Context` is any type you choose; every closure of the flow receives the value you pass to `apply`.
/// The closures are `nonisolated(nonsending)`: they run on the executor of the code that calls `apply`
/// (an actor, the main actor, or the global concurrent executor), so `Context` need not be `Sendable`.
/// A closure literal gets that type by itself; a named `async` function or a function value of the plain
/// `@Sendable (Context) async throws -> …` type is `@concurrent`, and converts only when `Context` is
/// `Sendable` (it then runs on the global concurrent executor). For a non-`Sendable` `Context`, declare
/// such a function `nonisolated(nonsending)`.
public struct StepFlow<Context>: Sendable {
    @usableFromInline
    let table: CompiledFlow<Context>

    /// Builds and compiles a flow whose root group is named `name` (`steps` if omitted).
    ///
    /// Any name is accepted, as go-stepflow accepts it: empty, or containing `/` or `:` (`deploy/v1`).
    ///
    /// - Throws: ``StepFlowError`` with code ``StepFlowError/Code/duplicatePath`` when two items have the same path
    ///   (`Do("a/b")` next to `Steps("a") { Do("b") }`, or two items of one name in a group),
    ///   ``StepFlowError/Code/invalidDefinition`` for an inconsistent extended construct.
    public init(_ name: String = "steps", @StepsBuilder<Context> _ steps: () throws -> FlowBody<Context>) throws {
        self.table = try FlowCompiler.compile(name: name, body: steps().nodes)
    }

    /// The root group's name, e.g. `deploy.v1`.
    public var name: String { table.name }

    /// The state of a process that has run to the end: `[completed:<root>]`.
    public var completedState: FlowState { table.states[Int(rootCompletedEvent)] }

    /// Whether `state` is the completed state of this flow (exactly `[completed:<root>]`).
    @inlinable
    public func isCompleted(_ state: FlowState) -> Bool {
        if state.resolvedBy == table.identity {
            return state.resolvedEvent == rootCompletedEvent && state.events.count == 1
        }
        return state.events.count == 1 && state.events[0] == table.events[Int(rootCompletedEvent)]
    }

    /// Whether every event of `state` is known to this flow and one of them can be continued
    /// (or the state is empty or completed).
    public func canContinue(_ state: FlowState) -> Bool {
        if table.isExtended { return (try? table.parse(state)) != nil }
        return (try? table.resolve(state)) != nil
    }
}
