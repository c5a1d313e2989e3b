/// The ordered items of a flow or of a nested group, as produced by ``StepsBuilder``.
///
/// You rarely name this type; it is what a `{ ... }` block of steps builds. Return it from
/// a `@StepsBuilder<Context>` function to share a fragment between flows.
public struct FlowBody<Context>: FlowComponent, Sendable {
    @usableFromInline
    var nodes: [FlowNode<Context>]

    @usableFromInline
    init(nodes: [FlowNode<Context>]) {
        self.nodes = nodes
    }

    /// An empty list of items.
    public init() {
        self.nodes = []
    }

    /// The items themselves.
    public var body: FlowBody<Context> { self }
}

/// Something that can stand in a block of steps: `Do`, `WaitFor`, `Case`, `LoopUntil`, `Retry`, `Steps`,
/// or a ``FlowBody`` built elsewhere.
public protocol FlowComponent<Context>: Sendable {
    /// The context type the component's closures receive.
    associatedtype Context
    /// The items this component adds to its group.
    var body: FlowBody<Context> { get }
}
