/// A step that runs an action once: `start:<path>` → run → `completed:<path>`.
///
/// ```swift
/// Do("createDeployRequest") { context in try await context.git.openPullRequest() }
/// ```
/// Its path uses the name as given.
public struct Do<Context>: FlowComponent {
    /// The step's name.
    public let name: String
    let action: nonisolated(nonsending) @Sendable (Context) async throws -> Void

    /// A step named `name` that runs `action`; an error it throws fails the apply (or asks an enclosing ``Retry``).
    public init(_ name: String, _ action: nonisolated(nonsending) @escaping @Sendable (Context) async throws -> Void) {
        self.name = name
        self.action = action
    }

    /// The single item this step adds.
    public var body: FlowBody<Context> {
        FlowBody(nodes: [.run(name: name, action: action)])
    }
}
