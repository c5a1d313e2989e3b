import StepFlow
import Testing

/// `r { before; outerRetry { o1; innerRetry { i1; i2 }; o2 }; after }`
func nestedRetryFixture() throws -> StepFlow<Probe> {
    try StepFlow<Probe>("r") {
        Do("before", probeAction("before"))
        Retry("outer", shouldRetry: probeHandler("outer")) {
            Do("o1", probeAction("o1"))
            Retry("inner", shouldRetry: probeHandler("inner")) {
                Do("i1", probeAction("i1"))
                Do("i2", probeAction("i2"))
            }
            Do("o2", probeAction("o2"))
        }
        Do("after", probeAction("after"))
    }
}

private let beforeI2 = FlowState(events: ["completed:r/outerRetry/innerRetry/i1"])

@Suite struct NestedRetryTests {
    @Test func innerHandlerTrueRestartsInnerGroup() async throws {
        let probe = Probe()
        probe.fail("i2", with: [StepError("e1")])
        probe.decide("inner", [.retry])
        let flow = try nestedRetryFixture()

        let result = try await flow.applyStep(beforeI2, context: probe)
        #expect(result.state.events == ["start:r/outerRetry/innerRetry"])
        #expect(result.outcome == .retried)
        #expect(result.stepPath == "r/outerRetry/innerRetry/i2")
        #expect(probe.log == ["i2!", "inner?e1"])

        let rest = try await runToCompletion(flow, from: result.state, context: probe)
        #expect(rest == [
            ["completed:r/outerRetry/innerRetry/i1"],
            ["completed:r/outerRetry/innerRetry/i2"],
            ["completed:r/outerRetry/o2"],
            ["completed:r/after"],
            ["completed:r"],
        ])
        #expect(probe.log == ["i2!", "inner?e1", "i1", "i2", "o2", "after"])
    }

    @Test func fullRunWithInnerRetry() async throws {
        let probe = Probe()
        probe.fail("i2", with: [StepError("e1")])
        probe.decide("inner", [.retry])
        let flow = try nestedRetryFixture()
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["completed:r/before"],
            ["completed:r/outerRetry/o1"],
            ["completed:r/outerRetry/innerRetry/i1"],
            ["start:r/outerRetry/innerRetry"],
            ["completed:r/outerRetry/innerRetry/i1"],
            ["completed:r/outerRetry/innerRetry/i2"],
            ["completed:r/outerRetry/o2"],
            ["completed:r/after"],
            ["completed:r"],
        ])
        #expect(probe.log == ["before", "o1", "i1", "i2!", "inner?e1", "i1", "i2", "o2", "after"])
    }

    @Test func innerHandlerFalseAsksOuterWithOriginalError() async throws {
        let probe = Probe()
        probe.fail("i2", with: [StepError("e1")])
        probe.decide("inner", [.giveUp])
        probe.decide("outer", [.retry])
        let flow = try nestedRetryFixture()

        let result = try await flow.applyStep(beforeI2, context: probe)
        #expect(result.state.events == ["start:r/outerRetry"])
        #expect(result.outcome == .retried)
        #expect(result.stepPath == "r/outerRetry/innerRetry/i2")
        #expect(probe.log == ["i2!", "inner?e1", "outer?e1"])

        // The outer group restarts from its first item.
        let next = try await flow.apply(result.state, context: probe)
        #expect(next.events == ["completed:r/outerRetry/o1"])
        #expect(probe.log.last == "o1")
    }

    @Test func bothHandlersFalsePropagatesOriginalErrorUnchanged() async throws {
        let probe = Probe()
        probe.fail("i2", with: [StepError("e1")])
        probe.decide("inner", [.giveUp])
        probe.decide("outer", [.giveUp])
        let flow = try nestedRetryFixture()
        await #expect(throws: StepError("e1")) {
            try await flow.apply(beforeI2, context: probe)
        }
        #expect(probe.log == ["i2!", "inner?e1", "outer?e1"])
    }

    @Test func innerHandlerThrowsAsksOuterWithHandlersError() async throws {
        let probe = Probe()
        probe.fail("i2", with: [StepError("e1")])
        probe.decide("inner", [.fail(StepError("h1"))])
        probe.decide("outer", [.retry])
        let flow = try nestedRetryFixture()
        let result = try await flow.applyStep(beforeI2, context: probe)
        #expect(result.state.events == ["start:r/outerRetry"])
        #expect(result.outcome == .retried)
        #expect(probe.log == ["i2!", "inner?e1", "outer?h1"])
    }

    @Test func innerHandlerThrowsAndOuterGivesUpPropagatesHandlersError() async throws {
        let probe = Probe()
        probe.fail("i2", with: [StepError("e1")])
        probe.decide("inner", [.fail(StepError("h1"))])
        probe.decide("outer", [.giveUp])
        let flow = try nestedRetryFixture()
        await #expect(throws: StepError("h1")) {
            try await flow.apply(beforeI2, context: probe)
        }
        #expect(probe.log == ["i2!", "inner?e1", "outer?h1"])
    }

    @Test func bothHandlersThrowPropagatesOuterHandlersError() async throws {
        let probe = Probe()
        probe.fail("i2", with: [StepError("e1")])
        probe.decide("inner", [.fail(StepError("h1"))])
        probe.decide("outer", [.fail(StepError("h2"))])
        let flow = try nestedRetryFixture()
        await #expect(throws: StepError("h2")) {
            try await flow.apply(beforeI2, context: probe)
        }
        #expect(probe.log == ["i2!", "inner?e1", "outer?h1"])
    }

    @Test func innerGivesUpOuterThrowsPropagatesOuterHandlersError() async throws {
        let probe = Probe()
        probe.fail("i1", with: [StepError("e1")])
        probe.decide("inner", [.giveUp])
        probe.decide("outer", [.fail(StepError("h2"))])
        let flow = try nestedRetryFixture()
        await #expect(throws: StepError("h2")) {
            try await flow.apply(FlowState(events: ["completed:r/outerRetry/o1"]), context: probe)
        }
        #expect(probe.log == ["i1!", "inner?e1", "outer?e1"])
    }

    @Test func errorOutsideAnyRetryPropagatesUnchangedWithoutAskingHandlers() async throws {
        let probe = Probe()
        probe.fail("before", with: [StepError("b")])
        probe.fail("after", with: [StepError("a")])
        let flow = try nestedRetryFixture()
        await #expect(throws: StepError("b")) {
            try await flow.apply(FlowState(), context: probe)
        }
        await #expect(throws: StepError("a")) {
            try await flow.apply(FlowState(events: ["completed:r/outerRetry/o2"]), context: probe)
        }
        #expect(probe.log == ["before!", "after!"])
    }

    @Test func errorInOuterGroupOnlyAsksOuterHandler() async throws {
        let probe = Probe()
        probe.fail("o1", with: [StepError("e1")])
        probe.fail("o2", with: [StepError("e2")])
        probe.decide("outer", [.retry, .retry])
        let flow = try nestedRetryFixture()
        let first = try await flow.applyStep(FlowState(events: ["completed:r/before"]), context: probe)
        #expect(first.state.events == ["start:r/outerRetry"])
        #expect(first.stepPath == "r/outerRetry/o1")
        let second = try await flow.applyStep(FlowState(events: ["completed:r/outerRetry/innerRetry/i2"]), context: probe)
        #expect(second.state.events == ["start:r/outerRetry"])
        #expect(second.stepPath == "r/outerRetry/o2")
        #expect(probe.log == ["o1!", "outer?e1", "o2!", "outer?e2"])
    }

    @Test func errorOfAnotherTypeIsPassedToHandlersAndRethrownUnchanged() async throws {
        let probe = Probe()
        let flow = try StepFlow<Probe>("t") {
            Retry("outer", shouldRetry: probeHandler("outer")) {
                Retry("inner", shouldRetry: probeHandler("inner")) {
                    Do("x") { _ in throw OtherError(code: 7) }
                }
            }
        }
        do {
            _ = try await flow.apply(FlowState(), context: probe)
            Issue.record("apply did not throw")
        } catch let error as OtherError {
            #expect(error.code == 7)
        }
        #expect(probe.log == ["inner?other7", "outer?other7"])
    }

    @Test func retryAtAnyDepthWrapsNestedConstructs() async throws {
        let probe = Probe()
        probe.fail("x", with: [StepError("deep")])
        probe.decide("top", [.retry])
        let flow = try StepFlow<Probe>("d") {
            Retry("top", shouldRetry: probeHandler("top")) {
                Case("c", when: probeCondition("c")) {
                    LoopUntil("l", until: probeCondition("l")) {
                        Steps("g") {
                            Do("x", probeAction("x"))
                        }
                    }
                }
            }
        }
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["start:d/topRetry/cCase/steps"],
            ["start:d/topRetry"],
            ["start:d/topRetry/cCase/steps"],
            ["completed:d/topRetry/cCase/steps/lLoopUntil/steps/g/x"],
            ["completed:d/topRetry/cCase/steps/lLoopUntil"],
            ["completed:d"],
        ])
        #expect(probe.log == ["c=true", "x!", "top?deep", "c=true", "x", "l=true"])
    }

    @Test func waitForConditionErrorInsideRetry() async throws {
        let probe = Probe()
        probe.fail("ready", with: [StepError("w")])
        probe.decide("r", [.retry])
        let flow = try StepFlow<Probe>("w") {
            Retry("r", shouldRetry: probeHandler("r")) {
                Do("a", probeAction("a"))
                WaitFor("ready", probeCondition("ready"))
            }
        }
        let result = try await flow.applyStep(FlowState(events: ["completed:w/rRetry/a"]), context: probe)
        #expect(result.state.events == ["start:w/rRetry"])
        #expect(result.outcome == .retried)
        #expect(result.stepPath == "w/rRetry/readyWaitFor")
        #expect(probe.log == ["ready!", "r?w"])
    }
}

@Suite struct ConditionErrorInRetryTests {
    /// `c { guardRetry { a; pollLoopUntil { b }; maybeCase { d } } }`
    func flow() throws -> StepFlow<Probe> {
        try StepFlow<Probe>("c") {
            Retry("guard", shouldRetry: probeHandler("guard")) {
                Do("a", probeAction("a"))
                LoopUntil("poll", until: probeCondition("poll")) {
                    Do("b", probeAction("b"))
                }
                Case("maybe", when: probeCondition("maybe")) {
                    Do("d", probeAction("d"))
                }
            }
        }
    }

    @Test func loopUntilConditionErrorIsRetried() async throws {
        let probe = Probe()
        probe.fail("poll", with: [StepError("p")])
        probe.decide("guard", [.retry])
        let flow = try flow()

        let result = try await flow.applyStep(FlowState(events: ["completed:c/guardRetry/pollLoopUntil/steps/b"]), context: probe)
        #expect(result.state.events == ["start:c/guardRetry"])
        #expect(result.outcome == .retried)
        #expect(result.stepPath == "c/guardRetry/pollLoopUntil")
        #expect(probe.log == ["poll!", "guard?p"])
    }

    @Test func loopUntilConditionErrorFullSequence() async throws {
        let probe = Probe()
        probe.fail("poll", with: [StepError("p")])
        probe.decide("guard", [.retry])
        let seen = try await runToCompletion(try flow(), context: probe)
        #expect(seen == [
            ["completed:c/guardRetry/a"],
            ["completed:c/guardRetry/pollLoopUntil/steps/b"],
            ["start:c/guardRetry"],
            ["completed:c/guardRetry/a"],
            ["completed:c/guardRetry/pollLoopUntil/steps/b"],
            ["completed:c/guardRetry/pollLoopUntil"],
            ["start:c/guardRetry/maybeCase/steps"],
            ["completed:c/guardRetry/maybeCase/steps/d"],
            ["completed:c"],
        ])
        #expect(probe.log == ["a", "b", "poll!", "guard?p", "a", "b", "poll=true", "maybe=true", "d"])
    }

    @Test func loopUntilConditionErrorNotRetriedPropagates() async throws {
        let probe = Probe()
        probe.fail("poll", with: [StepError("p")])
        let flow = try flow()
        await #expect(throws: StepError("p")) {
            try await flow.apply(FlowState(events: ["completed:c/guardRetry/pollLoopUntil/steps/b"]), context: probe)
        }
        #expect(probe.log == ["poll!", "guard?p"])
    }

    @Test func caseConditionErrorIsRetried() async throws {
        let probe = Probe()
        probe.fail("maybe", with: [StepError("m")])
        probe.decide("guard", [.retry])
        let flow = try flow()

        let result = try await flow.applyStep(FlowState(events: ["completed:c/guardRetry/pollLoopUntil"]), context: probe)
        #expect(result.state.events == ["start:c/guardRetry"])
        #expect(result.outcome == .retried)
        #expect(result.stepPath == "c/guardRetry/maybeCase")
        #expect(probe.log == ["maybe!", "guard?m"])
        let next = try await flow.apply(result.state, context: probe)
        #expect(next.events == ["completed:c/guardRetry/a"])
    }

    @Test func caseConditionErrorNotRetriedPropagates() async throws {
        let probe = Probe()
        probe.fail("maybe", with: [StepError("m")])
        probe.decide("guard", [.fail(StepError("g"))])
        let flow = try flow()
        await #expect(throws: StepError("g")) {
            try await flow.apply(FlowState(events: ["completed:c/guardRetry/pollLoopUntil"]), context: probe)
        }
        #expect(probe.log == ["maybe!", "guard?m"])
    }

    @Test func conditionOfALoopEnclosingARetryIsNotCoveredByIt() async throws {
        let probe = Probe()
        probe.fail("loop", with: [StepError("l")])
        probe.decide("in", [.retry])
        let flow = try StepFlow<Probe>("s") {
            LoopUntil("outer", until: probeCondition("loop")) {
                Retry("in", shouldRetry: probeHandler("in")) {
                    Do("a", probeAction("a"))
                }
            }
        }
        await #expect(throws: StepError("l")) {
            try await flow.apply(FlowState(events: ["completed:s/outerLoopUntil/steps/inRetry"]), context: probe)
        }
        #expect(probe.log == ["loop!"])
    }

    @Test func conditionOfACaseEnclosingARetryIsNotCoveredByIt() async throws {
        let probe = Probe()
        probe.fail("case", with: [StepError("c")])
        probe.decide("in", [.retry])
        let flow = try StepFlow<Probe>("s") {
            Case("outer", when: probeCondition("case")) {
                Retry("in", shouldRetry: probeHandler("in")) {
                    Do("a", probeAction("a"))
                }
            }
        }
        await #expect(throws: StepError("c")) {
            try await flow.apply(FlowState(), context: probe)
        }
        #expect(probe.log == ["case!"])
    }
}

@Suite struct GoRetryScenarioTests {
    /// go-stepflow's `TestRetry`: the failing step succeeds once three `A`s were added; 10 applies.
    @Test func retryUntilStepSucceeds() async throws {
        let probe = Probe()
        probe.fail("stepWithError", with: [StepError("e"), StepError("e")])
        probe.decide("growEx", [.retry, .retry])
        let flow = try StepFlow<Probe>("TestRetry") {
            Do("logInitialExchange", probeAction("log"))
            Retry("growEx", shouldRetry: probeHandler("growEx")) {
                Do("addA", probeAction("addA"))
                Do("stepWithError", probeAction("stepWithError"))
                Do("logExchange", probeAction("log"))
            }
            Do("logExchange", probeAction("log"))
        }
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["completed:TestRetry/logInitialExchange"],
            ["completed:TestRetry/growExRetry/addA"],
            ["start:TestRetry/growExRetry"],
            ["completed:TestRetry/growExRetry/addA"],
            ["start:TestRetry/growExRetry"],
            ["completed:TestRetry/growExRetry/addA"],
            ["completed:TestRetry/growExRetry/stepWithError"],
            ["completed:TestRetry/growExRetry/logExchange"],
            ["completed:TestRetry/logExchange"],
            ["completed:TestRetry"],
        ])
    }

    /// go-stepflow's `TestErrorHandling`: the handler retries twice, then gives up on the third error.
    @Test func handlerGivesUpOnThirdError() async throws {
        let probe = Probe()
        let flow = try StepFlow<Probe>("t") {
            Retry("r", shouldRetry: probeHandler("r")) {
                Do("func") { _ in throw StepError("test error") }
            }
        }
        probe.decide("r", [.retry, .retry, .giveUp])
        var state = FlowState()
        var thrown: StepError?
        var states: [[String]] = []
        for _ in 0..<3 {
            do {
                state = try await flow.apply(state, context: probe)
                states.append(state.events)
            } catch let error as StepError {
                thrown = error
                break
            }
        }
        #expect(thrown == StepError("test error"))
        #expect(states == [["start:t/rRetry"], ["start:t/rRetry"]])
        #expect(probe.log == ["r?test error", "r?test error", "r?test error"])
    }
}
