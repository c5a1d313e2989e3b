import StepFlow
import Testing

@Suite struct SleepTests {
    let flow: StepFlow<Script>

    init() throws {
        flow = try StepFlow<Script>("cd") {
            Do("first") { script in try script.run("first") }
            Sleep("coolDown", for: .minutes(30))
            Do("second") { script in try script.run("second") }
        }
    }

    @Test func theWakeUpTimeIsSavedInTheStateAndTheSleepFiresOnceOnTime() async throws {
        let script = Script()
        let first = try await flow.applyStep(FlowState(), context: script, environment: at(0))
        // The timer is set as soon as the process reaches the sleep, in the state that is saved.
        #expect(first.state.events == ["start:cd/coolDownSleep", "sleep:1800000:cd/coolDownSleep"])
        #expect(first.notBefore == t(1800))

        // Applied early (a wake-up, a restart): nothing runs, the timer is unchanged.
        let early = try await flow.applyStep(first.state, context: script, environment: at(1799))
        #expect(early.outcome == .waiting)
        #expect(early.stepPath == nil)
        #expect(early.state == first.state)
        #expect(early.notBefore == t(1800))

        // The state round-trips through strings (a restart) and fires at its time, once.
        let reloaded = FlowState(events: first.state.events)
        let fired = try await flow.applyStep(reloaded, context: script, environment: at(1800))
        #expect(fired.outcome == .advanced)
        #expect(fired.stepPath == "cd/coolDownSleep")
        #expect(fired.state.events == ["start:cd/second"])
        let last = try await flow.applyStep(fired.state, context: script, environment: at(1800))
        #expect(flow.isCompleted(last.state))
        #expect(script.log == ["first", "second"])
    }

    @Test func aSleepWhoseTimePassedWhileNothingRanFiresAtOnce() async throws {
        let script = Script()
        let asleep = try await flow.apply(FlowState(), context: script, environment: at(0))
        let fired = try await flow.applyStep(asleep, context: script, environment: at(86_400))
        #expect(fired.outcome == .advanced)
        #expect(fired.state.events == ["start:cd/second"])
    }

    @Test func aFlowWithASleepRefusesTheApplyWithoutEnvironment() async throws {
        let error = await #expect(throws: StepFlowError.self) {
            _ = try await flow.apply(FlowState(), context: Script())
        }
        #expect(error?.code == .environmentRequired)
        #expect(flow.isExtended)
    }
}

@Suite struct ScheduledWaitTests {
    @Test func pollsFollowTheScheduleWithBackoffUpToItsCap() async throws {
        let flow = try StepFlow<Script>("w") {
            WaitFor("merged", every: .seconds(10), backoff: .exponential(multiplier: 2, max: .seconds(60))) { script in
                script.answer("merged")
            }
        }
        let script = Script()
        var state = FlowState()
        var now: Int64 = 0
        var delays: [Int64] = []
        for _ in 0..<6 {
            let result = try await flow.applyStep(state, context: script, environment: at(now))
            #expect(result.outcome == .waiting)
            let next = try #require(result.notBefore)
            delays.append((next.millisecondsSince1970 / 1000) - now)
            now = next.millisecondsSince1970 / 1000
            state = result.state
        }
        #expect(delays == [10, 20, 40, 60, 60, 60])
        #expect(state.events == ["start:w/mergedWaitFor", "wait:0:6:\(now * 1000):w/mergedWaitFor"])
        // Applied before the next poll is due: the condition is not called.
        script.answer("merged", true)
        let early = try await flow.applyStep(state, context: script, environment: at(now - 1))
        #expect(early.outcome == .waiting)
        #expect(early.stepPath == nil)
        let done = try await flow.applyStep(state, context: script, environment: at(now))
        #expect(done.state.events == ["completed:w"])
    }

    @Test func theTimeoutHoldsAcrossRestartsAndFailsWithATimeoutError() async throws {
        let flow = try StepFlow<Script>("w") {
            WaitFor("merged", every: .minutes(10), timeout: .minutes(25)) { script in script.answer("merged") }
        }
        let script = Script()
        var state = try await flow.apply(FlowState(), context: script, environment: at(0))
        state = try await flow.apply(FlowState(events: state.events), context: script, environment: at(600))
        let beforeDeadline = try await flow.applyStep(FlowState(events: state.events), context: script, environment: at(1200))
        // The next poll is the deadline, not 10 minutes later.
        #expect(beforeDeadline.notBefore == t(1500))
        let error = await #expect(throws: StepTimeoutError.self) {
            _ = try await flow.apply(beforeDeadline.state, context: script, environment: at(1500))
        }
        #expect(error?.path == "w/mergedWaitFor")
        #expect(error?.timeout == .minutes(25))
        #expect(error?.since == t(0))
    }

    @Test func aConditionThatHoldsAtTheDeadlineStillCompletes() async throws {
        let flow = try StepFlow<Script>("w") {
            WaitFor("merged", timeout: .seconds(30)) { script in script.answer("merged") }
        }
        let script = Script()
        let waiting = try await flow.applyStep(FlowState(), context: script, environment: at(0))
        // Without a schedule the caller picks the poll time.
        #expect(waiting.notBefore == nil)
        script.answer("merged", true)
        let done = try await flow.apply(waiting.state, context: script, environment: at(45))
        #expect(flow.isCompleted(done))
    }
}
