import StepFlow
import Testing

/// A context that is deliberately not `Sendable`: it can only be used where it is isolated.
/// Every closure of ``isolationFlow()`` records the isolation it runs on.
final class IsolationRecorder {
    var entries: [String] = []
    var isolations: [(any Actor)?] = []
    var polls = 0
    var failures = 0

    func record(_ name: String, _ isolation: (any Actor)?) {
        entries.append(name)
        isolations.append(isolation)
    }

    /// Whether every closure ran on `actor` (`nil`: on no actor).
    func ranOnly(on actor: (any Actor)?) -> Bool {
        isolations.allSatisfy { $0 === actor }
    }
}

/// One closure of every kind: `Do`, `WaitFor`, `Case`, `LoopUntil` and a `Retry` handler. Built in a
/// nonisolated function, so the closures take their isolation from the caller of `apply`, not from
/// where they are written.
func isolationFlow() throws -> StepFlow<IsolationRecorder> {
    try StepFlow<IsolationRecorder>("isolation") {
        Do("first") { recorder in recorder.record("first", #isolation) }
        WaitFor("ready") { recorder in
            recorder.record("ready", #isolation)
            recorder.polls += 1
            return recorder.polls > 1
        }
        Case("branch", when: { recorder in recorder.record("branch", #isolation); return true }) {
            LoopUntil("loop", until: { recorder in recorder.record("loop", #isolation); return true }) {
                Retry("retry", shouldRetry: { recorder, _ in recorder.record("retry", #isolation); return true }) {
                    Do("flaky") { recorder in
                        recorder.record("flaky", #isolation)
                        if recorder.failures == 0 {
                            recorder.failures += 1
                            throw StepError("flaky")
                        }
                    }
                }
            }
        }
    }
}

/// Every closure call of a full run of ``isolationFlow()``.
let isolationFlowCalls = ["first", "ready", "ready", "branch", "flaky", "retry", "flaky", "loop"]

/// An actor that owns a non-`Sendable` context and applies a flow to it from its own methods.
actor IsolatedRunner {
    let recorder = IsolationRecorder()
    let flow: StepFlow<IsolationRecorder>

    init() throws {
        flow = try isolationFlow()
    }

    /// Runs the flow to completion with `apply`; whether every closure ran on this actor, and the calls.
    func runWithApply() async throws -> (onActor: Bool, calls: [String]) {
        var state = FlowState()
        while !flow.isCompleted(state) {
            state = try await flow.apply(state, context: recorder)
        }
        return (recorder.ranOnly(on: self), recorder.entries)
    }

    /// The same with `applyStep`; also returns the outcomes.
    func runWithApplyStep() async throws -> (onActor: Bool, outcomes: [StepResult.Outcome]) {
        var state = FlowState()
        var outcomes: [StepResult.Outcome] = []
        while !flow.isCompleted(state) {
            let result = try await flow.applyStep(state, context: recorder)
            outcomes.append(result.outcome)
            state = result.state
        }
        return (recorder.ranOnly(on: self), outcomes)
    }
}

/// A context that is `Sendable`, for the function values below.
final class ReadyFlag: Sendable {
    let ready: Bool
    init(ready: Bool) { self.ready = ready }
}

/// A named global async function used as a condition.
func isReady(_ flag: ReadyFlag) async throws -> Bool {
    flag.ready
}

/// A named condition for a non-`Sendable` context: it must be `nonisolated(nonsending)` (a plain
/// `async` function is `@concurrent`, and would take the context off the caller's actor).
nonisolated(nonsending) func recorderPolledTwice(_ recorder: IsolationRecorder) async throws -> Bool {
    recorder.record("named", #isolation)
    recorder.polls += 1
    return recorder.polls > 1
}

@Suite struct IsolationTests {
    @MainActor
    @Test func mainActorAppliesWithNonSendableContextAndStepsRunOnTheMainActor() async throws {
        let recorder = IsolationRecorder()
        let flow = try isolationFlow()
        var state = FlowState()
        while !flow.isCompleted(state) {
            state = try await flow.apply(state, context: recorder)
        }
        #expect(recorder.entries == isolationFlowCalls)
        #expect(recorder.ranOnly(on: MainActor.shared))
    }

    @Test func actorAppliesWithItsNonSendableContextAndStepsRunOnTheActor() async throws {
        let result = try await IsolatedRunner().runWithApply()
        #expect(result.calls == isolationFlowCalls)
        #expect(result.onActor)
    }

    @Test func actorAppliesStepsWithItsNonSendableContext() async throws {
        let result = try await IsolatedRunner().runWithApplyStep()
        #expect(result.outcomes == [.advanced, .waiting, .advanced, .advanced, .retried, .advanced, .advanced, .noStep])
        #expect(result.onActor)
    }

    @Test func nonisolatedCallerRunsStepsOnNoActor() async throws {
        let recorder = IsolationRecorder()
        let flow = try isolationFlow()
        var state = FlowState()
        while !flow.isCompleted(state) {
            state = try await flow.apply(state, context: recorder)
        }
        #expect(recorder.entries == isolationFlowCalls)
        #expect(recorder.ranOnly(on: nil))
    }

    @MainActor
    @Test func nonsendingNamedFunctionWithNonSendableContextRunsOnTheMainActor() async throws {
        let recorder = IsolationRecorder()
        let flow = try StepFlow<IsolationRecorder>("named") {
            WaitFor("polledTwice", recorderPolledTwice)
        }
        var state = FlowState()
        while !flow.isCompleted(state) {
            state = try await flow.apply(state, context: recorder)
        }
        #expect(recorder.entries == ["named", "named"])
        #expect(recorder.ranOnly(on: MainActor.shared))
    }

    @Test func namedFunctionsAndPlainSendableFunctionValuesStillConvert() async throws {
        let condition: @Sendable (ReadyFlag) async throws -> Bool = { flag in flag.ready }
        let action: @Sendable (ReadyFlag) async throws -> Void = { _ in }
        let handler: @Sendable (ReadyFlag, any Error) async throws -> Bool = { _, _ in false }
        let flow = try StepFlow<ReadyFlag>("values") {
            WaitFor("global", isReady)
            WaitFor("value", condition)
            Do("action", action)
            Case("case", when: condition) {
                LoopUntil("loop", until: isReady) {
                    Retry("retry", shouldRetry: handler) {
                        Do("inner", action)
                    }
                }
            }
        }
        let states = try await runToCompletion(flow, context: ReadyFlag(ready: true))
        #expect(states.last == ["completed:values"])
        let waiting = try await flow.applyStep(FlowState(), context: ReadyFlag(ready: false))
        #expect(waiting.outcome == .waiting)
        #expect(waiting.state.events == ["start:values/globalWaitFor"])
    }
}
