/// One item of a flow definition, as written with the DSL, before compilation.
///
/// Names are stored as given; the compiler appends the kind's suffix (`WaitFor`, `Case`, …).
@usableFromInline
indirect enum FlowNode<Context>: Sendable {
    case run(name: String, action: nonisolated(nonsending) @Sendable (Context) async throws -> Void)
    case waitFor(name: String, condition: nonisolated(nonsending) @Sendable (Context) async throws -> Bool)
    case branch(name: String, condition: nonisolated(nonsending) @Sendable (Context) async throws -> Bool, body: [FlowNode<Context>])
    case loop(name: String, condition: nonisolated(nonsending) @Sendable (Context) async throws -> Bool, body: [FlowNode<Context>])
    case retry(name: String, handler: nonisolated(nonsending) @Sendable (Context, any Error) async throws -> Bool, body: [FlowNode<Context>])
    case group(name: String, body: [FlowNode<Context>])
    // The constructs beyond go-stepflow's (they make a flow "extended": applied with a `StepEnvironment`).
    case sleep(name: String, duration: Duration)
    case scheduledWait(
        name: String, condition: nonisolated(nonsending) @Sendable (Context) async throws -> Bool,
        schedule: PollSchedule?, timeout: Duration?
    )
    case awaitSignal(name: String, payloadType: any (Decodable & Sendable).Type, timeout: Duration?)
    case retryPolicy(name: String, policy: RetryPolicy, retryIf: (@Sendable (any Error) -> Bool)?, body: [FlowNode<Context>])
    case compensableRun(
        name: String, action: nonisolated(nonsending) @Sendable (Context) async throws -> Void,
        compensation: nonisolated(nonsending) @Sendable (Context) async throws -> Void
    )
    case parallel(name: String, branches: [(name: String, body: [FlowNode<Context>])])
}
