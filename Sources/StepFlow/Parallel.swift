/// Branches that run side by side: the group completes when all of them have completed.
///
/// ```swift
/// Parallel("regions") {
///     Branch("eu") { Do("deploy") { context in try await context.deploy(.eu) } }
///     Branch("us") { Do("deploy") { context in try await context.deploy(.us) } }
/// }
/// ```
///
/// The state holds one event per branch (`["start:…/regionsParallel/eu/deploy", "completed:…/regionsParallel/us"]`).
/// Each apply still runs one step: that of the first branch that is ready (a branch sleeping or waiting for a
/// later poll is skipped), and that branch's event then moves to the end of the list, so the branches take turns.
/// When a step of one branch fails and no `Retry` inside that branch restarts it, the other branches stop and
/// the group fails, like a step: an enclosing `Retry` restarts it, or the flow's compensation runs.
/// The path's last name is the given name followed by `Parallel`; each branch is a group named as given.
public struct Parallel<Context>: FlowComponent {
    /// The name as given (without the `Parallel` suffix).
    public let name: String
    let branches: [Branch<Context>]

    /// Runs the given branches side by side.
    public init(_ name: String, @BranchesBuilder<Context> _ branches: () -> [Branch<Context>]) {
        self.name = name
        self.branches = branches()
    }

    /// The single item this group adds.
    public var body: FlowBody<Context> {
        FlowBody(nodes: [.parallel(name: name, branches: branches.map { ($0.name, $0.steps.nodes) })])
    }
}

/// One branch of a ``Parallel`` group: steps in sequence.
public struct Branch<Context>: Sendable {
    /// The branch's name, used as given in paths.
    public let name: String
    let steps: FlowBody<Context>

    /// A branch named `name` of the given steps.
    public init(_ name: String, @StepsBuilder<Context> _ steps: () -> FlowBody<Context>) {
        self.name = name
        self.steps = steps()
    }
}

/// Builds the list of branches of a ``Parallel`` group.
@resultBuilder
public enum BranchesBuilder<Context> {
    /// One branch.
    public static func buildExpression(_ branch: Branch<Context>) -> [Branch<Context>] { [branch] }
    /// The branches in order.
    public static func buildBlock(_ parts: [Branch<Context>]...) -> [Branch<Context>] { parts.flatMap { $0 } }
    /// A branch present only if a condition holds when the flow is built.
    public static func buildOptional(_ part: [Branch<Context>]?) -> [Branch<Context>] { part ?? [] }
    /// The `if` side of a choice made when the flow is built.
    public static func buildEither(first part: [Branch<Context>]) -> [Branch<Context>] { part }
    /// The `else` side of a choice made when the flow is built.
    public static func buildEither(second part: [Branch<Context>]) -> [Branch<Context>] { part }
    /// Branches built by a `for` loop.
    public static func buildArray(_ parts: [[Branch<Context>]]) -> [Branch<Context>] { parts.flatMap { $0 } }
}
