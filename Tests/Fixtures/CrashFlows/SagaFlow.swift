import StepFlow
public import StepFlowRuntime

/// The saga crash test's flow `saga.v1`: a step, a durable sleep, a signal, two parallel branches with
/// compensations, and a last step that fails for processes whose input says so. The saga crash worker runs it with
/// real side effects; the test uses it (with none) to send signals and read states.
public enum SagaFlow {
    /// The input: whether the last step fails.
    public struct Input: Codable, Sendable {
        public var fails: Bool
        public init(fails: Bool) { self.fails = fails }
    }

    /// The data (none).
    public struct Data: Codable, Sendable {
        public init() {}
    }

    /// The payload of the `go` signal.
    public struct Go: Codable, Sendable {
        public init() {}
    }

    /// The last step's failure, for inputs with `fails`.
    public struct ForcedFailure: Error, CustomStringConvertible {
        public var description: String { "forced failure" }
    }

    /// The flow, whose steps call `sideEffect(context, "")` and compensations `sideEffect(context, "undo ")`.
    public static func make(
        sideEffect: @escaping @Sendable (StepContext<Input, Data>, String) async throws -> Void
    ) throws -> ProcessFlow<Input, Data> {
        try ProcessFlow<Input, Data>("saga.v1", initialData: { _ in Data() }) {
            Do("prepare") { context in try await sideEffect(context, "") }
            Sleep("coolDown", for: .milliseconds(300))
            AwaitSignal("go", as: Go.self)
            Parallel("regions") {
                Branch("eu") {
                    Do("deploy", { context in try await sideEffect(context, "") }, compensate: { context in try await sideEffect(context, "undo ") })
                    Do("check") { context in try await sideEffect(context, "") }
                }
                Branch("us") {
                    Do("deploy", { context in try await sideEffect(context, "") }, compensate: { context in try await sideEffect(context, "undo ") })
                }
            }
            Do("finish") { context in
                if context.input.fails { throw ForcedFailure() }
                try await sideEffect(context, "")
            }
        }
    }
}
