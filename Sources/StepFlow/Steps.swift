/// A named group of steps that run in sequence.
///
/// `start:<path>` → start of the first item; the completion of each item starts the next;
/// the completion of the last completes the group. An empty group goes from start to completed.
public struct Steps<Context>: FlowComponent {
    /// The group's name, used as given in paths.
    public let name: String
    let steps: FlowBody<Context>

    /// A group named `name` of the given steps.
    public init(_ name: String, @StepsBuilder<Context> _ steps: () -> FlowBody<Context>) {
        self.name = name
        self.steps = steps()
    }

    /// The single item this group adds.
    public var body: FlowBody<Context> {
        FlowBody(nodes: [.group(name: name, body: steps.nodes)])
    }
}
