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
}
