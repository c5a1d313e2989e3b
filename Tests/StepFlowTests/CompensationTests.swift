import StepFlow
import Testing

@Suite struct CompensationTests {
    func pipeline() throws -> StepFlow<Script> {
        try StepFlow<Script>("d") {
            Do("openPR", { script in try script.run("openPR") }, compensate: { script in try script.run("closePR") })
            Do("lock", { script in try script.run("lock") }, compensate: { script in try script.run("unlock") })
            Do("note") { script in try script.run("note") }
            Do("rollout") { script in try script.run("rollout") }
        }
    }

    @Test func aFailureUndoesTheCompletedStepsInReverseOrderOneStepPerApply() async throws {
        let flow = try pipeline()
        let script = Script()
        script.fail("rollout")
        var state = FlowState()
        for _ in 0..<3 { state = try await flow.apply(state, context: script, environment: at(0)) }
        #expect(state.events == ["start:d/rollout", "done:d/openPR", "done:d/lock"])

        let failed = try await flow.applyStep(state, context: script, environment: at(0))
        #expect(failed.outcome == .compensating)
        #expect(failed.error as? ScriptError == ScriptError(step: "rollout"))
        #expect(failed.state.events == ["failed:d", "done:d/openPR", "done:d/lock"])
        #expect(flow.isCompensating(failed.state))
        #expect(flow.ending(of: failed.state) == nil)
        #expect(try flow.nextStep(in: failed.state)?.path == "d/lock")

        let unlocked = try await flow.applyStep(failed.state, context: script, environment: at(0))
        #expect(unlocked.outcome == .compensated)
        #expect(unlocked.stepPath == "d/lock")
        let closed = try await flow.applyStep(unlocked.state, context: script, environment: at(0))
        #expect(closed.state.events == ["failed:d"])
        #expect(flow.ending(of: closed.state) == .failed)
        let after = try await flow.applyStep(closed.state, context: script, environment: at(0))
        #expect(after.outcome == .noStep)
        #expect(script.log == ["openPR", "lock", "note", "rollout failed", "unlock", "closePR"])
    }

    @Test func aFailingCompensationLeavesTheStateSoItIsTriedAgain() async throws {
        let flow = try pipeline()
        let script = Script()
        script.fail("note")
        script.fail("unlock")
        var state = FlowState()
        for _ in 0..<3 { state = try await flow.apply(state, context: script, environment: at(0)) }
        await #expect(throws: ScriptError(step: "unlock")) {
            _ = try await flow.apply(state, context: script, environment: at(0))
        }
        state = try await flow.apply(state, context: script, environment: at(0))
        #expect(state.events == ["failed:d", "done:d/openPR"])
    }

    @Test func aCompensationIsRetriedByThePolicyAroundItsStep() async throws {
        let flow = try StepFlow<Script>("d") {
            Retry("pr", policy: .fixed(.seconds(5), maxAttempts: 3)) {
                Do("openPR", { script in try script.run("openPR") }, compensate: { script in try script.run("closePR") })
            }
            Do("rollout") { script in try script.run("rollout") }
        }
        let script = Script()
        script.fail("rollout")
        script.fail("closePR")
        let opened = try await flow.apply(FlowState(), context: script, environment: at(0))
        let failed = try await flow.apply(opened, context: script, environment: at(0))
        #expect(failed.events == ["failed:d", "done:d/prRetry/openPR"])
        let retried = try await flow.applyStep(failed, context: script, environment: at(0))
        #expect(retried.outcome == .retried)
        #expect(retried.state.events == ["failed:d", "retry:1:5000:d/prRetry", "done:d/prRetry/openPR"])
        #expect(retried.notBefore == t(5))
        let early = try await flow.applyStep(retried.state, context: script, environment: at(4))
        #expect(early.outcome == .waiting)
        let undone = try await flow.applyStep(retried.state, context: script, environment: at(5))
        #expect(undone.outcome == .compensated)
        #expect(undone.state.events == ["failed:d"])
        #expect(script.log == ["openPR", "rollout failed", "closePR failed", "closePR"])
    }

    @Test func cancellingRunsTheCompensationsThenEndsCancelled() async throws {
        let flow = try pipeline()
        let script = Script()
        var state = try await flow.apply(FlowState(), context: script, environment: at(0))
        var cancelled = try #require(try flow.cancelling(state))
        #expect(cancelled.events == ["cancelled:d", "done:d/openPR"])
        cancelled = try await flow.apply(cancelled, context: script, environment: at(0))
        #expect(flow.ending(of: cancelled) == .cancelled)
        #expect(script.log == ["openPR", "closePR"])
        // Nothing to undo: the caller stops the process itself.
        state = FlowState()
        #expect(try flow.cancelling(state) == nil)
        #expect(try flow.cancelling(flow.completedState) == nil)
    }

    @Test func aFailureBeforeAnyCompensableStepIsThrownAsBefore() async throws {
        let flow = try StepFlow<Script>("d") {
            Do("first") { script in try script.run("first") }
            Do("openPR", { script in try script.run("openPR") }, compensate: { script in try script.run("closePR") })
        }
        let script = Script()
        script.fail("first")
        await #expect(throws: ScriptError(step: "first")) {
            _ = try await flow.apply(FlowState(), context: script, environment: at(0))
        }
    }
}

@Suite struct ExtendedStateTests {
    @Test func loopsPollsAndRetriesDoNotGrowTheState() async throws {
        let flow = try StepFlow<Script>("b") {
            LoopUntil("rounds", until: { script in script.log.count >= 600 }) {
                Retry("call", policy: .fixed(.seconds(1), maxAttempts: 3)) {
                    Do("call", { script in try script.run("call") }, compensate: { _ in })
                    WaitFor("ready", every: .seconds(1), timeout: .minutes(1)) { _ in true }
                    AwaitSignal("tick", as: Int.self)
                }
                Sleep("pause", for: .seconds(1))
            }
        }
        let script = Script()
        var state = FlowState()
        var now: Int64 = 0
        var longest = 0
        var signals = 0
        while !flow.isCompleted(state) {
            signals += 1
            let result = try await flow.applyStep(state, context: script, environment: at(now, signals: ["tick": signals]))
            if script.log.count % 7 == 3 { script.fail("call") }
            state = result.state
            now += 2
            longest = max(longest, state.events.count)
        }
        #expect(script.log.count >= 600)
        #expect(longest <= 5)
    }

    @Test func malformedAnnotationsAreUnknownStatesThatNameTheProblem() async throws {
        let flow = try StepFlow<Script>("s") { Sleep("nap", for: .seconds(1)) }
        for events in [
            ["start:s/napSleep", "sleep:soon:s/napSleep"],
            ["start:s/napSleep", "sleep:1:s/other"],
            ["start:s/napSleep", "bogus:1:s/napSleep"],
            ["failed:s", "start:s/napSleep"],
            ["sleep:1:s/napSleep"],
        ] {
            let error = await #expect(throws: StepFlowError.self) {
                _ = try await flow.apply(FlowState(events: events), context: Script(), environment: at(0))
            }
            #expect(error?.code == .unknownState)
            #expect(!flow.canContinue(FlowState(events: events)))
        }
    }

    @Test func goStepflowFlowsGiveTheSameStatesWithAnEnvironment() async throws {
        let build = {
            try StepFlow<Script>("g") {
                Do("a") { script in try script.run("a") }
                WaitFor("b") { script in
                    script.record("poll")
                    return script.log.count > 3
                }
                Retry("r", shouldRetry: { _, _ in true }) { Do("c") { script in try script.run("c") } }
            }
        }
        let plain = try build()
        #expect(!plain.isExtended)
        let (one, two) = (Script(), Script())
        var (left, right) = (FlowState(), FlowState())
        while !plain.isCompleted(left) {
            left = try await plain.apply(left, context: one)
            right = try await plain.apply(right, context: two, environment: at(0))
            #expect(left == right)
        }
    }

    @Test func newConstructsAppearInIntrospectionAndDiagrams() throws {
        let flow = try StepFlow<Script>("x") {
            Do("open", { _ in }, compensate: { _ in })
            Sleep("coolDown", for: .minutes(30))
            AwaitSignal("approval", as: Approval.self, timeout: .hours(1))
            Parallel("regions") {
                Branch("eu") { Do("deploy") { _ in } }
                Branch("us") { Do("deploy") { _ in } }
            }
        }
        #expect(flow.root.children.map(\.kind) == [FlowItem.Kind.do, .sleep, .awaitSignal, .parallel])
        #expect(flow.root.children[3].children.map(\.kind) == [FlowItem.Kind.branch, .branch])
        #expect(flow.root.children[0].hasCompensation)
        let reasons = Set(flow.transitions.flatMap(\.destinations).map(\.reason))
        #expect(reasons.isSuperset(of: [.sleepElapsed, .signalReceived, .timedOut, .branchStarted, .allBranchesCompleted, .failed]))
        let mermaid = flow.mermaid()
        for label in ["Sleep coolDown", "AwaitSignal approval", "Parallel regions", "Branch eu", "compensated on failure", "failed:x", ": timed out"] {
            #expect(mermaid.contains(label), "\(label)")
        }
        #expect(flow.dot().contains("Sleep coolDown"))
    }
}
