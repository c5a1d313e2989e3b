import StepFlow
import Testing

/// `g<level> { g<level+1> { … g<depth> { x } } }`
private func nestedGroups(_ depth: Int, level: Int = 1) -> FlowBody<Probe> {
    if level > depth { return Do("x", probeAction("x")).body }
    return Steps("g\(level)") { nestedGroups(depth, level: level + 1) }.body
}

/// `b/g1/g2/…/g<depth>`
private func nestedPath(_ depth: Int) -> String {
    (["b"] + (1...depth).map { "g\($0)" }).joined(separator: "/")
}

/// `b { e1 {} e2 {} … e<count> {} x }`
private func emptyGroupsThenDo(_ count: Int, withDo: Bool = true) throws -> StepFlow<Probe> {
    try StepFlow<Probe>("b") {
        for index in 1...count {
            Steps("e\(index)") {}
        }
        if withDo {
            Do("x", probeAction("x"))
        }
    }
}

/// go-stepflow's `Apply` runs at most 100 `applyOne` iterations, each following one transition
/// (structural, or the step's own); so a step is reached only if at most 99 structural
/// transitions precede it in one apply.
@Suite struct TransitionBoundTests {
    @Test func boundIs100() {
        #expect(StepFlow<Probe>.maxTransitionsPerApply == 100)
    }

    @Test func stepAfter99StructuralTransitionsRuns() async throws {
        // start:b → start:g1 → … → start:g98 → start:x is 99 structural transitions; the Do is the 100th.
        let probe = Probe()
        let flow = try StepFlow<Probe>("b") { nestedGroups(98) }
        let first = try await flow.applyStep(FlowState(), context: probe)
        #expect(first.state.events == ["completed:\(nestedPath(98))/x"])
        #expect(first.outcome == .advanced)
        #expect(first.stepPath == "\(nestedPath(98))/x")
        #expect(probe.log == ["x"])
        #expect(try flow.nextStep(in: FlowState())?.path == "\(nestedPath(98))/x")

        // completed:x → completed:g98 → … → completed:g1 → completed:b: 99 transitions.
        let second = try await flow.applyStep(first.state, context: probe)
        #expect(second.state.events == ["completed:b"])
        #expect(second.outcome == .noStep)
        #expect(flow.isCompleted(second.state))
    }

    @Test func stepAfter100StructuralTransitionsWaitsForTheNextApply() async throws {
        // start:b → … → start:g99 → start:x is 100 structural transitions: the bound is reached first.
        let probe = Probe()
        let flow = try StepFlow<Probe>("b") { nestedGroups(99) }
        let first = try await flow.applyStep(FlowState(), context: probe)
        #expect(first.state.events == ["start:\(nestedPath(99))/x"])
        #expect(first.outcome == .noStep)
        #expect(first.stepPath == nil)
        #expect(probe.log.isEmpty)
        #expect(try flow.nextStep(in: FlowState()) == nil)
        #expect(try flow.nextStep(in: first.state)?.path == "\(nestedPath(99))/x")

        let second = try await flow.applyStep(first.state, context: probe)
        #expect(second.state.events == ["completed:\(nestedPath(99))/x"])
        #expect(second.outcome == .advanced)
        #expect(probe.log == ["x"])

        // completed:x → completed:g99 → … → completed:g1 → completed:b: exactly 100 transitions.
        let third = try await flow.apply(second.state, context: probe)
        #expect(third.events == ["completed:b"])
        #expect(flow.isCompleted(third))
        #expect(probe.log == ["x"])
    }

    @Test func stepAfter101StructuralTransitions() async throws {
        let probe = Probe()
        let flow = try StepFlow<Probe>("b") { nestedGroups(100) }
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["start:\(nestedPath(100))"],
            ["completed:\(nestedPath(100))/x"],
            ["completed:b/g1"],
            ["completed:b"],
        ])
        #expect(probe.log == ["x"])
    }

    @Test func emptyGroupsBeforeADo() async throws {
        // Each empty group costs two transitions (start → its start, its start → its completion).
        // 49 groups: 2·49 + 1 = 99 structural transitions before the Do: it runs.
        let probe = Probe()
        let runs = try emptyGroupsThenDo(49)
        #expect(try await runs.apply(FlowState(), context: probe).events == ["completed:b/x"])
        #expect(probe.log == ["x"])

        // 50 groups: 101 structural transitions; the apply stops after 100 at completed:b/e50.
        let waits = try emptyGroupsThenDo(50)
        let probe2 = Probe()
        let first = try await waits.applyStep(FlowState(), context: probe2)
        #expect(first.state.events == ["completed:b/e50"])
        #expect(first.outcome == .noStep)
        #expect(probe2.log.isEmpty)
        let second = try await waits.apply(first.state, context: probe2)
        #expect(second.events == ["completed:b/x"])
        #expect(probe2.log == ["x"])
        #expect(try await waits.apply(second, context: probe2).events == ["completed:b"])
    }

    @Test func manyEmptyGroupsWithoutSteps() async throws {
        // 60 empty groups: 121 transitions to completion, split 100 + 21.
        let probe = Probe()
        let flow = try emptyGroupsThenDo(60, withDo: false)
        let first = try await flow.applyStep(FlowState(), context: probe)
        #expect(first.state.events == ["completed:b/e50"])
        #expect(first.outcome == .noStep)
        let second = try await flow.applyStep(first.state, context: probe)
        #expect(second.state.events == ["completed:b"])
        #expect(second.outcome == .noStep)
        #expect(flow.isCompleted(second.state))
    }

    @Test func emptyFlowCompletesInOneApplyWithoutAStep() async throws {
        let probe = Probe()
        let flow = try StepFlow<Probe> {}
        let result = try await flow.applyStep(FlowState(), context: probe)
        #expect(result.state.events == ["completed:steps"])
        #expect(result.outcome == .noStep)
        #expect(result.stepPath == nil)
        #expect(try flow.nextStep(in: FlowState()) == nil)
    }

    @Test func boundDoesNotApplyAcrossApplies() async throws {
        // 99 structural transitions, then a WaitFor that never holds within the test, stays cheap:
        // each later apply evaluates the condition exactly once.
        let probe = Probe()
        probe.script("w", [false, false, false])
        let flow = try StepFlow<Probe>("b") {
            for index in 1...49 {
                Steps("e\(index)") {}
            }
            WaitFor("w", probeCondition("w"))
        }
        let seen = try await applyTimes(flow, 3, context: probe)
        #expect(seen == Array(repeating: ["start:b/wWaitFor"], count: 3))
        #expect(probe.log == ["w=false", "w=false", "w=false"])
    }
}
