/// The result builder behind every block of steps: it supports `if`, `if/else`, `switch` and `for`.
///
/// ```swift
/// StepFlow<Deploy>("deploy.v1") {
///     for region in ["eu", "us"] {
///         Do("deploy-\(region)") { context in try await context.deploy(region) }
///     }
///     if verify {
///         WaitFor("healthy") { context in try await context.isHealthy() }
///     }
/// }
/// ```
@resultBuilder
public enum StepsBuilder<Context> {
    /// Turns one component into a list of items.
    public static func buildExpression<Component: FlowComponent>(_ component: Component) -> FlowBody<Context>
    where Component.Context == Context {
        component.body
    }

    /// Joins the items of consecutive statements.
    public static func buildBlock(_ parts: FlowBody<Context>...) -> FlowBody<Context> {
        buildArray(parts)
    }

    /// An `if` without `else`: its items, or none.
    public static func buildOptional(_ part: FlowBody<Context>?) -> FlowBody<Context> {
        part ?? FlowBody()
    }

    /// The first branch of an `if/else` or `switch`.
    public static func buildEither(first part: FlowBody<Context>) -> FlowBody<Context> {
        part
    }

    /// The second branch of an `if/else` or `switch`.
    public static func buildEither(second part: FlowBody<Context>) -> FlowBody<Context> {
        part
    }

    /// A `for` loop: the items of every iteration, in order.
    public static func buildArray(_ parts: [FlowBody<Context>]) -> FlowBody<Context> {
        FlowBody(nodes: parts.flatMap(\.nodes))
    }

    /// An `if #available` block.
    public static func buildLimitedAvailability(_ part: FlowBody<Context>) -> FlowBody<Context> {
        part
    }
}
