/// A step that polls a condition until it holds.
///
/// Each apply evaluates the condition once: `true` → `completed:<path>`; `false` → `start:<path>` again,
/// so the caller can save the state and poll later. The path's last name is the given name
/// followed by `WaitFor` (`WaitFor("merged")` → `…/mergedWaitFor`), as in go-stepflow.
public struct WaitFor<Context>: FlowComponent {
    /// The name as given (without the `WaitFor` suffix).
    public let name: String
    let condition: nonisolated(nonsending) @Sendable (Context) async throws -> Bool

    /// Waits until `condition` returns `true`.
    public init(_ name: String, _ condition: nonisolated(nonsending) @escaping @Sendable (Context) async throws -> Bool) {
        self.name = name
        self.condition = condition
    }

    /// The single item this step adds.
    public var body: FlowBody<Context> {
        FlowBody(nodes: [.waitFor(name: name, condition: condition)])
    }
}
