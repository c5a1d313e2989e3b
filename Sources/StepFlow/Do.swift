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
    let compensation: (nonisolated(nonsending) @Sendable (Context) async throws -> Void)?

    /// A step named `name` that runs `action`; an error it throws fails the apply (or asks an enclosing ``Retry``).
    public init(_ name: String, _ action: nonisolated(nonsending) @escaping @Sendable (Context) async throws -> Void) {
        self.name = name
        self.action = action
        self.compensation = nil
    }

    /// A step that runs `action` and, if the flow later fails or is cancelled, is undone by `compensate`.
    ///
    /// Once `action` has completed, the state records it (`done:<path>`). When the flow fails (an error no
    /// ``Retry`` handles) or is cancelled (``StepFlow/cancelling(_:)``), the compensations of the completed steps run,
    /// one per apply, in the reverse order of their completion — each a durable step like any other. Then the
    /// state is `[failed:<root>]` or `[cancelled:<root>]`.
    public init(
        _ name: String,
        _ action: nonisolated(nonsending) @escaping @Sendable (Context) async throws -> Void,
        compensate: nonisolated(nonsending) @escaping @Sendable (Context) async throws -> Void
    ) {
        self.name = name
        self.action = action
        self.compensation = compensate
    }

    /// The single item this step adds.
    public var body: FlowBody<Context> {
        if let compensation {
            return FlowBody(nodes: [.compensableRun(name: name, action: action, compensation: compensation)])
        }
        return FlowBody(nodes: [.run(name: name, action: action)])
    }
}
