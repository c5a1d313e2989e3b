import StepFlow
public import StepFlowRuntime

/// The crash tests' flow `crash.v1`: a step, a poll, a loop, two steps in a group; every `Do` runs a side effect.
/// The crash worker runs it with real side effects; the tests use it (with none) to check the paths saved.
public enum CrashFlow {
    /// The input (none).
    public struct Input: Codable, Sendable {
        public init() {}
    }

    /// The data: polls and loop passes so far.
    public struct Data: Codable, Sendable {
        public var polls = 0
        public var loops = 0
    }

    /// The flow, whose `Do` steps call `sideEffect`.
    public static func make(
        sideEffect: @escaping @Sendable (StepContext<Input, Data>) async throws -> Void
    ) throws -> ProcessFlow<Input, Data> {
        try ProcessFlow<Input, Data>(
            "crash.v1", pollIntervals: ["crash.v1/readyWaitFor": .milliseconds(5)], initialData: { _ in Data() }
        ) {
            Do("prepare") { context in try await sideEffect(context) }
            WaitFor("ready") { context in
                context.data.polls += 1
                return context.data.polls >= 3
            }
            LoopUntil("batches", until: { context in context.data.loops >= 2 }) {
                Do("copy") { context in
                    try await sideEffect(context)
                    context.data.loops += 1
                }
            }
            Steps("finish") {
                Do("verify") { context in try await sideEffect(context) }
                Do("announce") { context in try await sideEffect(context) }
            }
        }
    }
}
