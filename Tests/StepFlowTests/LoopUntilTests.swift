import StepFlow
import Testing

@Suite struct LoopUntilTests {
    @Test func iteratesUntilConditionHolds() async throws {
        let probe = Probe()
        probe.script("done", [false, false, true])
        let flow = try StepFlow<Probe>("loop") {
            LoopUntil("count", until: probeCondition("done")) {
                Do("a", probeAction("a"))
                Do("b", probeAction("b"))
            }
            Do("after", probeAction("after"))
        }
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["completed:loop/countLoopUntil/steps/a"],
            ["completed:loop/countLoopUntil/steps/b"],
            ["start:loop/countLoopUntil/steps"],
            ["completed:loop/countLoopUntil/steps/a"],
            ["completed:loop/countLoopUntil/steps/b"],
            ["start:loop/countLoopUntil/steps"],
            ["completed:loop/countLoopUntil/steps/a"],
            ["completed:loop/countLoopUntil/steps/b"],
            ["completed:loop/countLoopUntil"],
            ["completed:loop/after"],
            ["completed:loop"],
        ])
        #expect(probe.log == ["a", "b", "done=false", "a", "b", "done=false", "a", "b", "done=true", "after"])
    }

    @Test func bodyRunsOnceWhenConditionHoldsAtFirstCheck() async throws {
        let probe = Probe()
        let flow = try StepFlow<Probe>("once") {
            LoopUntil("l", until: probeCondition("l")) {
                Do("a", probeAction("a"))
            }
        }
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["completed:once/lLoopUntil/steps/a"],
            ["completed:once/lLoopUntil"],
            ["completed:once"],
        ])
        #expect(probe.log == ["a", "l=true"])
    }

    @Test func emptyLoopBodyEvaluatesConditionOncePerApply() async throws {
        let probe = Probe()
        probe.script("spin", [false, false, true])
        let flow = try StepFlow<Probe>("e") {
            LoopUntil("spin", until: probeCondition("spin")) {}
        }
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["start:e/spinLoopUntil/steps"],
            ["start:e/spinLoopUntil/steps"],
            ["completed:e/spinLoopUntil"],
            ["completed:e"],
        ])
        #expect(probe.log == ["spin=false", "spin=false", "spin=true"])
    }

    @Test func emptyLoopBodyStepResults() async throws {
        let probe = Probe()
        probe.script("spin", [false, true])
        let flow = try StepFlow<Probe>("e") {
            LoopUntil("spin", until: probeCondition("spin")) {}
        }
        let first = try await flow.applyStep(FlowState(), context: probe)
        #expect(first.state.events == ["start:e/spinLoopUntil/steps"])
        #expect(first.stepPath == "e/spinLoopUntil")
        let second = try await flow.applyStep(first.state, context: probe)
        #expect(second.state.events == ["completed:e/spinLoopUntil"])
        #expect(second.stepPath == "e/spinLoopUntil")
        #expect(second.outcome == .advanced)
    }

    @Test func loopConditionFalseIsAnAdvanceOfTheLoopItem() async throws {
        let probe = Probe()
        probe.script("l", [false])
        let flow = try StepFlow<Probe>("o") {
            LoopUntil("l", until: probeCondition("l")) {
                Do("a", probeAction("a"))
            }
        }
        let result = try await flow.applyStep(FlowState(events: ["completed:o/lLoopUntil/steps/a"]), context: probe)
        #expect(result.state.events == ["start:o/lLoopUntil/steps"])
        #expect(result.stepPath == "o/lLoopUntil")
        #expect(result.outcome == .advanced)
        #expect(probe.log == ["l=false"])
    }

    @Test func waitForInsideLoop() async throws {
        let probe = Probe()
        probe.script("ready", [false, true, false, true])
        probe.script("l", [false, true])
        let flow = try StepFlow<Probe>("w") {
            LoopUntil("l", until: probeCondition("l")) {
                WaitFor("ready", probeCondition("ready"))
            }
        }
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["start:w/lLoopUntil/steps/readyWaitFor"],
            ["completed:w/lLoopUntil/steps/readyWaitFor"],
            ["start:w/lLoopUntil/steps"],
            ["start:w/lLoopUntil/steps/readyWaitFor"],
            ["completed:w/lLoopUntil/steps/readyWaitFor"],
            ["completed:w/lLoopUntil"],
            ["completed:w"],
        ])
    }

    @Test func nestedLoops() async throws {
        let probe = Probe()
        probe.script("outer", [false, true])
        probe.script("inner", [false, true, true])
        let flow = try StepFlow<Probe>("n") {
            LoopUntil("outer", until: probeCondition("outer")) {
                LoopUntil("inner", until: probeCondition("inner")) {
                    Do("x", probeAction("x"))
                }
            }
        }
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["completed:n/outerLoopUntil/steps/innerLoopUntil/steps/x"],
            ["start:n/outerLoopUntil/steps/innerLoopUntil/steps"],
            ["completed:n/outerLoopUntil/steps/innerLoopUntil/steps/x"],
            ["completed:n/outerLoopUntil/steps/innerLoopUntil"],
            ["start:n/outerLoopUntil/steps"],
            ["completed:n/outerLoopUntil/steps/innerLoopUntil/steps/x"],
            ["completed:n/outerLoopUntil/steps/innerLoopUntil"],
            ["completed:n/outerLoopUntil"],
            ["completed:n"],
        ])
        #expect(probe.log == ["x", "inner=false", "x", "inner=true", "outer=false", "x", "inner=true", "outer=true"])
    }

    /// go-stepflow's `TestComplexWorkflow`: a case then a loop running twice; 7 applies.
    @Test func caseThenLoopRunningTwice() async throws {
        let probe = Probe()
        probe.script("loop", [false, true])
        let flow = try StepFlow<Probe> {
            Case("case", when: probeCondition("case")) {
                Do("func", probeAction("func"))
            }
            LoopUntil("loop", until: probeCondition("loop")) {
                Do("func", probeAction("func"))
            }
        }
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen.count == 7)
        #expect(probe.log == ["case=true", "func", "func", "loop=false", "func", "loop=true"])
        #expect(seen == [
            ["start:steps/caseCase/steps"],
            ["completed:steps/caseCase/steps/func"],
            ["completed:steps/loopLoopUntil/steps/func"],
            ["start:steps/loopLoopUntil/steps"],
            ["completed:steps/loopLoopUntil/steps/func"],
            ["completed:steps/loopLoopUntil"],
            ["completed:steps"],
        ])
    }
}
