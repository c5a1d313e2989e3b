/// A group whose failures are offered to a handler, which may restart the group.
///
/// When any transition inside the group (at any depth) throws, `shouldRetry` is called with the error:
/// `true` → the state becomes `start:<path>` and the group runs again from its first item;
/// `false` → the error propagates, to an enclosing `Retry` if there is one. An error thrown by the
/// handler itself propagates the same way. Nested retries are asked innermost first.
///
/// The path's last name is the given name followed by `Retry`; the group's items are its direct
/// children (there is no `steps` level).
public struct Retry<Context>: FlowComponent {
    /// The name as given (without the `Retry` suffix).
    public let name: String
    let shouldRetry: nonisolated(nonsending) @Sendable (Context, any Error) async throws -> Bool
    let steps: FlowBody<Context>

    /// Runs `steps`, asking `shouldRetry` what to do when one of them throws.
    public init(
        _ name: String,
        shouldRetry: nonisolated(nonsending) @escaping @Sendable (Context, any Error) async throws -> Bool,
        @StepsBuilder<Context> _ steps: () -> FlowBody<Context>
    ) {
        self.name = name
        self.shouldRetry = shouldRetry
        self.steps = steps()
    }

    /// The single item this retry group adds.
    public var body: FlowBody<Context> {
        FlowBody(nodes: [.retry(name: name, handler: shouldRetry, body: steps.nodes)])
    }
}
