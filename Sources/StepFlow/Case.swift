/// A branch: its nested steps run only if a condition holds when the case starts.
///
/// `start:<path>` evaluates the condition: `true` → `start:<path>/steps`, `false` → `completed:<path>`.
/// The path's last name is the given name followed by `Case`; the nested group is named `steps`.
public struct Case<Context>: FlowComponent {
    /// The name as given (without the `Case` suffix).
    public let name: String
    let condition: nonisolated(nonsending) @Sendable (Context) async throws -> Bool
    let steps: FlowBody<Context>

    /// Runs `steps` if `condition` returns `true`, skips them otherwise.
    public init(
        _ name: String,
        when condition: nonisolated(nonsending) @escaping @Sendable (Context) async throws -> Bool,
        @StepsBuilder<Context> _ steps: () -> FlowBody<Context>
    ) {
        self.name = name
        self.condition = condition
        self.steps = steps()
    }

    /// The single item this case adds.
    public var body: FlowBody<Context> {
        FlowBody(nodes: [.branch(name: name, condition: condition, body: steps.nodes)])
    }
}
