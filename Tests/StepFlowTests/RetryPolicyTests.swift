import StepFlow
import Testing

@Suite struct RetryPolicyTests {
    func pushFlow(retryIf: (@Sendable (any Error) -> Bool)? = nil) throws -> StepFlow<Script> {
        try StepFlow<Script>("p") {
            Retry("push", policy: .exponential(initial: .seconds(1), multiplier: 2, max: .seconds(5), maxAttempts: 4), retryIf: retryIf) {
                Do("prepare") { script in try script.run("prepare") }
                Do("push") { script in try script.run("push") }
            }
            Do("after") { script in try script.run("after") }
        }
    }

    @Test func attemptsAndNextAttemptTimeAreSavedAndTheGroupRestartsAfterTheDelay() async throws {
        let flow = try pushFlow()
        let script = Script()
        script.fail("push", times: 2)
        var state = try await flow.apply(FlowState(), context: script, environment: at(0))  // prepare
        let failed = try await flow.applyStep(state, context: script, environment: at(0))   // push fails
        #expect(failed.outcome == .retried)
        #expect(failed.error as? ScriptError == ScriptError(step: "push"))
        #expect(failed.state.events == ["start:p/pushRetry/prepare", "retry:1:1000:p/pushRetry"])
        #expect(failed.notBefore == t(1))
        // Too early: the attempt waits, nothing runs.
        let early = try await flow.applyStep(failed.state, context: script, environment: FlowTime(millisecondsSince1970: 999).environment)
        #expect(early.outcome == .waiting)
        state = try await flow.apply(failed.state, context: script, environment: at(1))   // prepare again
        let second = try await flow.applyStep(state, context: script, environment: at(1)) // push fails again
        #expect(second.state.events == ["start:p/pushRetry/prepare", "retry:2:3000:p/pushRetry"])
        state = try await flow.apply(second.state, context: script, environment: at(3))
        state = try await flow.apply(state, context: script, environment: at(3))  // push succeeds
        // Leaving the group forgets its attempts: the state is go-stepflow's again.
        #expect(state.events == ["start:p/after"])
        #expect(script.log == ["prepare", "push failed", "prepare", "push failed", "prepare", "push"])
    }

    @Test func theLastAttemptsErrorPropagatesUnchanged() async throws {
        let flow = try pushFlow()
        let script = Script()
        script.fail("prepare", times: 10)
        var state = FlowState()
        var now: Int64 = 0
        for _ in 0..<3 {
            let result = try await flow.applyStep(state, context: script, environment: at(now))
            #expect(result.outcome == .retried)
            state = result.state
            now = result.notBefore!.millisecondsSince1970 / 1000
        }
        await #expect(throws: ScriptError(step: "prepare")) {
            _ = try await flow.apply(state, context: script, environment: at(now))
        }
        #expect(script.log.count == 4)  // maxAttempts: 4
    }

    @Test func onlyTheErrorsRetryIfAcceptsAreRetried() async throws {
        let flow = try StepFlow<Script>("p") {
            Retry("push", policy: .fixed(.seconds(1), maxAttempts: 5), retryIf: { $0 is ScriptError }) {
                Do("push") { script in
                    if script.answer("fatal") { throw FatalError() }
                    try script.run("push")
                }
            }
        }
        let script = Script()
        script.fail("push")
        let retried = try await flow.applyStep(FlowState(), context: script, environment: at(0))
        #expect(retried.outcome == .retried)
        script.answer("fatal", true)
        await #expect(throws: FatalError.self) {
            _ = try await flow.apply(retried.state, context: script, environment: at(5))
        }
    }

    @Test func delaysGrowCapAndJitterStaysWithinHalfAndAll() {
        let policy = RetryPolicy.exponential(initial: .seconds(1), multiplier: 2, max: .minutes(5), maxAttempts: 20)
        let delays = (1...10).map { policy.delay(afterFailedAttempts: $0, jitterFraction: 0) }
        #expect(delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300].map { Duration.seconds($0) })
        var jittered = policy
        jittered.jitter = true
        #expect(jittered.delay(afterFailedAttempts: 3, jitterFraction: 0) == .seconds(2))
        #expect(jittered.delay(afterFailedAttempts: 3, jitterFraction: 0.999) < .seconds(4))
        #expect(jittered.delay(afterFailedAttempts: 3, jitterFraction: 0.5) == .seconds(3))
    }

    @Test func aPolicyWithoutAttemptsIsAConstructionError() {
        #expect(throws: StepFlowError.self) {
            try StepFlow<Script>("p") {
                Retry("push", policy: .fixed(.seconds(1), maxAttempts: 0)) { Do("push") { _ in } }
            }
        }
    }
}

extension FlowTime {
    /// An environment at this time.
    var environment: StepEnvironment { StepEnvironment(now: self) }
}
