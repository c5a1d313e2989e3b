/// One item of a compiled flow — a step or a group — with its path and its children.
///
/// `flow.root` is the tree of items; use it to document, check or draw a flow.
public struct FlowItem: Sendable, Hashable {
    /// What construct an item comes from.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// A group of steps in sequence: the root, a `Steps`, or the `steps` group of a `Case` or `LoopUntil`.
        public static let steps = Kind("Steps")
        /// A `Do` step.
        public static let `do` = Kind("Do")
        /// A `WaitFor` step.
        public static let waitFor = Kind("WaitFor")
        /// A `Case` branch.
        public static let `case` = Kind("Case")
        /// A `LoopUntil` loop.
        public static let loopUntil = Kind("LoopUntil")
        /// A `Retry` group (with a handler or a ``RetryPolicy``).
        public static let retry = Kind("Retry")
        /// A `Sleep` step (a durable timer).
        public static let sleep = Kind("Sleep")
        /// An `AwaitSignal` step.
        public static let awaitSignal = Kind("AwaitSignal")
        /// A `Parallel` group; its children are its branches.
        public static let parallel = Kind("Parallel")
        /// One `Branch` of a `Parallel` group.
        public static let branch = Kind("Branch")

        /// The construct's name in the DSL.
        public var description: String { name }

        /// Whether the item is a step itself (`Do`, `WaitFor`, `Sleep`, `AwaitSignal`), rather than a group of items.
        public var isStep: Bool { self == .do || self == .waitFor || self == .sleep || self == .awaitSignal }
    }

    /// The construct the item comes from.
    public let kind: Kind
    /// The item's own name in paths (with its kind's suffix, e.g. `mergedWaitFor`).
    public let name: String
    /// The names from the root joined by `/`.
    public let path: String
    /// The nested items, in order.
    public let children: [FlowItem]
    /// Whether the item is a `Do` with a compensation (run when the flow fails or is cancelled after it completed).
    public var hasCompensation: Bool = false

    /// `start:<path>`.
    public var startEvent: String { "start:" + path }
    /// `completed:<path>`.
    public var completedEvent: String { "completed:" + path }

    /// Every item of this subtree, depth first, this one first.
    public var allItems: [FlowItem] {
        [self] + children.flatMap(\.allItems)
    }

    /// An item as stored in the compiled table.
    struct Record: Sendable {
        let kind: Kind
        let name: String
        let path: String
        let parent: Int32
        var children: [Int32]
    }
}
