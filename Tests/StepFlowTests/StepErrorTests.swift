import StepFlow
import Testing

@Suite struct StepErrorTests {
    /// `f { a; b; cWaitFor; dCase { e } }`
    func flow() throws -> StepFlow<Probe> {
        try StepFlow<Probe>("f") {
            Do("a", probeAction("a"))
            Do("b", probeAction("b"))
            WaitFor("c", probeCondition("c"))
            Case("d", when: probeCondition("d")) {
                Do("e", probeAction("e"))
            }
        }
    }

    @Test func doErrorIsThrownUnchangedAndStateIsUntouched() async throws {
        let probe = Probe()
        probe.fail("b", with: [StepError("b1")])
        let flow = try flow()
        var state = try await flow.apply(FlowState(), context: probe)
        #expect(state.events == ["completed:f/a"])
        do {
            state = try await flow.apply(state, context: probe)
            Issue.record("apply did not throw")
        } catch let error as StepError {
            #expect(error == StepError("b1"))
        }
        #expect(state.events == ["completed:f/a"])

        // Applying the same state again retries the step.
        state = try await flow.apply(state, context: probe)
        #expect(state.events == ["completed:f/b"])
        #expect(probe.log == ["a", "b!", "b"])
    }

    @Test func stepErrorIsNotWrapped() async throws {
        let probe = Probe()
        let flow = try StepFlow<Probe>("f") {
            Do("x") { _ in throw OtherError(code: 42) }
        }
        do {
            _ = try await flow.apply(FlowState(), context: probe)
            Issue.record("apply did not throw")
        } catch let error as OtherError {
            #expect(error.code == 42)
        } catch {
            Issue.record("expected OtherError, got \(type(of: error)): \(error)")
        }
        await #expect(throws: OtherError(code: 42)) {
            try await flow.applyStep(FlowState(), context: probe)
        }
    }

    @Test func conditionErrorsAreThrownUnchangedAndStateIsUntouched() async throws {
        let probe = Probe()
        probe.fail("c", with: [StepError("c1")])
        probe.fail("d", with: [StepError("d1")])
        let flow = try flow()

        let beforeWait = FlowState(events: ["completed:f/b"])
        var state = beforeWait
        await #expect(throws: StepError("c1")) {
            state = try await flow.apply(state, context: probe)
        }
        #expect(state == beforeWait)
        state = try await flow.apply(state, context: probe)
        #expect(state.events == ["completed:f/cWaitFor"])

        let afterWait = state
        await #expect(throws: StepError("d1")) {
            state = try await flow.apply(state, context: probe)
        }
        #expect(state == afterWait)
        state = try await flow.apply(state, context: probe)
        #expect(state.events == ["start:f/dCase/steps"])
        #expect(probe.log == ["c!", "c=true", "d!", "d=true"])
    }

    @Test func errorInsideCaseBodyLeavesStateUntouched() async throws {
        let probe = Probe()
        probe.fail("e", with: [StepError("e1"), StepError("e2")])
        let flow = try flow()
        let state = FlowState(events: ["start:f/dCase/steps"])
        await #expect(throws: StepError("e1")) { try await flow.apply(state, context: probe) }
        await #expect(throws: StepError("e2")) { try await flow.apply(state, context: probe) }
        let next = try await flow.apply(state, context: probe)
        #expect(next.events == ["completed:f/dCase/steps/e"])
        #expect(state.events == ["start:f/dCase/steps"])
        #expect(probe.log == ["e!", "e!", "e"])
    }

    @Test func failingRunEndsWithSameResultAsCleanRun() async throws {
        // A run where every step fails once, each failure answered by applying the same state again,
        // visits the same states as a clean run.
        let clean = try await runToCompletion(try flow(), context: Probe())
        let probe = Probe()
        for name in ["a", "b", "c", "d", "e"] {
            probe.fail(name, with: [StepError(name)])
        }
        let flow = try flow()
        var state = FlowState()
        var seen: [[String]] = []
        var failures = 0
        while !flow.isCompleted(state) {
            do {
                state = try await flow.apply(state, context: probe)
                seen.append(state.events)
            } catch is StepError {
                failures += 1
            }
        }
        #expect(failures == 5)
        #expect(seen == clean)
    }
}

@Suite struct StepSemanticsTests {
    @Test func doRunsOncePerApply() async throws {
        let probe = Probe()
        let flow = try StepFlow<Probe>("d") {
            Do("a", probeAction("a"))
        }
        let state = try await flow.apply(FlowState(events: ["start:d/a"]), context: probe)
        #expect(state.events == ["completed:d/a"])
        #expect(probe.log == ["a"])
    }

    @Test func waitForFalseReturnsItsStartTrueItsCompletion() async throws {
        let probe = Probe()
        probe.script("w", [false])
        let flow = try StepFlow<Probe>("d") {
            WaitFor("w", probeCondition("w"))
        }
        let waiting = try await flow.applyStep(FlowState(events: ["start:d/wWaitFor"]), context: probe)
        #expect(waiting.state.events == ["start:d/wWaitFor"])
        #expect(waiting.outcome == .waiting)
        #expect(waiting.stepPath == "d/wWaitFor")
        let done = try await flow.applyStep(waiting.state, context: probe)
        #expect(done.state.events == ["completed:d/wWaitFor"])
        #expect(done.outcome == .advanced)
        #expect(probe.log == ["w=false", "w=true"])
    }

    @Test func caseTrueStartsItsStepsFalseCompletesIt() async throws {
        let probe = Probe()
        probe.script("c", [true, false])
        let flow = try StepFlow<Probe>("d") {
            Case("c", when: probeCondition("c")) {
                Do("x", probeAction("x"))
            }
        }
        let yes = try await flow.apply(FlowState(events: ["start:d/cCase"]), context: probe)
        #expect(yes.events == ["start:d/cCase/steps"])
        let no = try await flow.apply(FlowState(events: ["start:d/cCase"]), context: probe)
        #expect(no.events == ["completed:d/cCase"])
        let after = try await flow.apply(FlowState(events: ["completed:d/cCase/steps/x"]), context: probe)
        #expect(after.events == ["completed:d"])
        #expect(probe.log == ["c=true", "c=false"])
    }

    @Test func caseWithEmptyBody() async throws {
        let probe = Probe()
        let flow = try StepFlow<Probe>("d") {
            Case("c", when: probeCondition("c")) {}
            Do("after", probeAction("after"))
        }
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["start:d/cCase/steps"],
            ["completed:d/after"],
            ["completed:d"],
        ])
    }

    @Test func retryWithoutErrorsIsTransparent() async throws {
        let probe = Probe()
        let flow = try StepFlow<Probe>("d") {
            Retry("r", shouldRetry: probeHandler("r")) {
                Do("a", probeAction("a"))
                Do("b", probeAction("b"))
            }
            Retry("empty", shouldRetry: probeHandler("empty")) {}
        }
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["completed:d/rRetry/a"],
            ["completed:d/rRetry/b"],
            ["completed:d"],
        ])
        #expect(probe.log == ["a", "b"])
    }

    @Test func lastStepThenOneMoreApplyCompletesTheRoot() async throws {
        let probe = Probe()
        let flow = try StepFlow<Probe>("d") {
            Steps("g") {
                Steps("h") {
                    Do("x", probeAction("x"))
                }
            }
        }
        let afterStep = try await flow.applyStep(FlowState(), context: probe)
        #expect(afterStep.state.events == ["completed:d/g/h/x"])
        #expect(!flow.isCompleted(afterStep.state))
        let last = try await flow.applyStep(afterStep.state, context: probe)
        #expect(last.state.events == ["completed:d"])
        #expect(last.outcome == .noStep)
        #expect(last.stepPath == nil)
        #expect(probe.log == ["x"])
    }
}
