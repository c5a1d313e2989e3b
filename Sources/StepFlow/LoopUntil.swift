/// A loop: runs its nested steps, then repeats them until a condition holds.
///
/// `start:<path>` → `start:<path>/steps`; `completed:<path>/steps` evaluates the condition:
/// `true` → `completed:<path>`, `false` → `start:<path>/steps`. The path's last name is the given
/// name followed by `LoopUntil`; the nested group is named `steps`.
public struct LoopUntil<Context>: FlowComponent {
    /// The name as given (without the `LoopUntil` suffix).
    public let name: String
    let condition: nonisolated(nonsending) @Sendable (Context) async throws -> Bool
    let steps: FlowBody<Context>

    /// Runs `steps` until `condition`, evaluated after each pass, returns `true`.
    public init(
        _ name: String,
        until condition: nonisolated(nonsending) @escaping @Sendable (Context) async throws -> Bool,
        @StepsBuilder<Context> _ steps: () -> FlowBody<Context>
    ) {
        self.name = name
        self.condition = condition
        self.steps = steps()
    }

    /// The single item this loop adds.
    public var body: FlowBody<Context> {
        FlowBody(nodes: [.loop(name: name, condition: condition, body: steps.nodes)])
    }
}
