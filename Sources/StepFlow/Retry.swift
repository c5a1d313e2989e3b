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
    let policy: RetryPolicy?
    let retryIf: (@Sendable (any Error) -> Bool)?
    let steps: FlowBody<Context>

    /// Runs `steps`, asking `shouldRetry` what to do when one of them throws.
    public init(
        _ name: String,
        shouldRetry: nonisolated(nonsending) @escaping @Sendable (Context, any Error) async throws -> Bool,
        @StepsBuilder<Context> _ steps: () -> FlowBody<Context>
    ) {
        self.name = name
        self.shouldRetry = shouldRetry
        self.policy = nil
        self.retryIf = nil
        self.steps = steps()
    }

    /// Runs `steps`, restarting the group after a failure as `policy` says: up to its `maxAttempts`, each attempt
    /// starting no sooner than its delay after the failure. `retryIf` picks the errors worth retrying (all when
    /// `nil`); the others, and the error of the last attempt, propagate unchanged.
    ///
    /// The failed attempts and the earliest time of the next attempt are saved in the state while the group runs
    /// (`retry:<attempts>:<notBefore>:<path>`).
    public init(
        _ name: String,
        policy: RetryPolicy,
        retryIf: (@Sendable (any Error) -> Bool)? = nil,
        @StepsBuilder<Context> _ steps: () -> FlowBody<Context>
    ) {
        self.name = name
        self.shouldRetry = { _, _ in false }
        self.policy = policy
        self.retryIf = retryIf
        self.steps = steps()
    }

    /// The single item this retry group adds.
    public var body: FlowBody<Context> {
        if let policy {
            return FlowBody(nodes: [.retryPolicy(name: name, policy: policy, retryIf: retryIf, body: steps.nodes)])
        }
        return FlowBody(nodes: [.retry(name: name, handler: shouldRetry, body: steps.nodes)])
    }
}
