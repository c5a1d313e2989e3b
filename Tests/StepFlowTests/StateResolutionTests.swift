import StepFlow
import Testing

@Suite struct StateResolutionTests {
    /// `f { a; b; cWaitFor }`
    func flow() throws -> StepFlow<Probe> {
        try StepFlow<Probe>("f") {
            Do("a", probeAction("a"))
            Do("b", probeAction("b"))
            WaitFor("c", probeCondition("c"))
        }
    }

    /// The ``StepFlowError`` thrown by `apply(state)`.
    func applyError(_ flow: StepFlow<Probe>, _ state: FlowState, probe: Probe = Probe()) async -> StepFlowError? {
        do {
            let result = try await flow.apply(state, context: probe)
            Issue.record("expected unknownState, got \(result)")
            return nil
        } catch let error as StepFlowError {
            return error
        } catch {
            Issue.record("expected StepFlowError, got \(error)")
            return nil
        }
    }

    @Test func emptyStateIsTheRootStart() async throws {
        let probe = Probe()
        let flow = try flow()
        #expect(try await flow.apply(FlowState(), context: probe).events == ["completed:f/a"])
        #expect(try await flow.apply(FlowState(events: []), context: probe).events == ["completed:f/a"])
        #expect(try await flow.apply(FlowState(events: ["start:f"]), context: probe).events == ["completed:f/a"])
        #expect(try await flow.apply([], context: probe).events == ["completed:f/a"])
        #expect(FlowState().isEmpty && FlowState().events == [])
        #expect(probe.log == ["a", "a", "a", "a"])
    }

    @Test func unknownStateThrowsNamingTheState() async throws {
        let probe = Probe()
        let flow = try flow()
        let state = FlowState(events: ["start:g/a"])
        let error = try #require(await applyError(flow, state, probe: probe))
        #expect(error.code == .unknownState)
        #expect(error.state == state)
        #expect(error.message.contains("start:g/a"))
        #expect(probe.log.isEmpty)
    }

    @Test(arguments: [
        ["start:f/x"],
        ["completed:f/aWaitFor"],
        ["start:f/a/"],
        ["Start:f/a"],
        ["start: f/a"],
        ["f/a"],
        ["start:"],
        [""],
        ["completed:steps"],
        ["nope1", "nope2"],
        ["completed:f", "completed:f"],
        ["completed:f", "nope"],
    ])
    func unknownStates(_ events: [String]) async throws {
        let probe = Probe()
        let flow = try flow()
        let state = FlowState(events: events)
        let error = try #require(await applyError(flow, state, probe: probe))
        #expect(error.code == .unknownState)
        #expect(error.state?.events == events)
        for event in events where !event.isEmpty {
            #expect(error.message.contains(event))
        }
        #expect(!flow.canContinue(state))
        #expect(throws: StepFlowError.self) { try flow.nextStep(in: state) }
        #expect(!flow.isCompleted(state))
        #expect(probe.log.isEmpty)
    }

    @Test func applyStepAlsoThrowsUnknownState() async throws {
        let flow = try flow()
        await #expect(throws: StepFlowError.self) {
            try await flow.applyStep(FlowState(events: ["start:f/zz"]), context: Probe())
        }
    }

    @Test func firstEventWithATransitionWins() async throws {
        let probe = Probe()
        let flow = try flow()
        let state = try await flow.apply(FlowState(events: ["start:f/a", "start:f/b"]), context: probe)
        #expect(state.events == ["completed:f/a"])
        let other = try await flow.apply(FlowState(events: ["start:f/b", "start:f/a"]), context: probe)
        #expect(other.events == ["completed:f/b"])
        #expect(probe.log == ["a", "b"])
    }

    @Test func unknownFirstEventIsSkipped() async throws {
        let probe = Probe()
        let flow = try flow()
        let state = try await flow.apply(FlowState(events: ["start:other/a", "garbage", "start:f/b"]), context: probe)
        #expect(state.events == ["completed:f/b"])
        #expect(probe.log == ["b"])
        #expect(flow.canContinue(FlowState(events: ["start:other/a", "start:f/b"])))
        #expect(try flow.nextStep(in: FlowState(events: ["start:other/a", "start:f/b"]))?.path == "f/b")
    }

    @Test func rootCompletionAmongOtherEventsIsSkipped() async throws {
        // `completed:<root>` has no transition; in a state of several events it is not "completed".
        let probe = Probe()
        let flow = try flow()
        let multi = FlowState(events: ["completed:f", "completed:f/a"])
        #expect(!flow.isCompleted(multi))
        let state = try await flow.apply(multi, context: probe)
        #expect(state.events == ["completed:f/b"])
        #expect(probe.log == ["b"])
    }

    @Test func completedEventOfAStepContinuesStructurally() async throws {
        let probe = Probe()
        probe.script("c", [false])
        let flow = try flow()
        let state = try await flow.apply(FlowState(events: ["completed:f/b", "start:f/a"]), context: probe)
        #expect(state.events == ["start:f/cWaitFor"])
        #expect(probe.log == ["c=false"])
    }

    @Test func resultOfAMultiEventStateIsASingleEvent() async throws {
        let flow = try flow()
        let state = try await flow.apply(FlowState(events: ["x", "completed:f/cWaitFor", "start:f/a"]), context: Probe())
        #expect(state.events == ["completed:f"])
        #expect(flow.isCompleted(state))
    }

    @Test func canContinue() throws {
        let flow = try flow()
        #expect(flow.canContinue(FlowState()))
        #expect(flow.canContinue(FlowState(events: ["completed:f"])))
        #expect(flow.canContinue(FlowState(events: ["start:f/cWaitFor"])))
        #expect(flow.canContinue(FlowState(events: ["completed:f/cWaitFor"])))
        #expect(!flow.canContinue(FlowState(events: ["start:g"])))
    }

    @Test func everyEventExceptRootCompletionHasATransition() throws {
        let flow = try flow()
        #expect(flow.events == [
            "start:f", "completed:f",
            "start:f/a", "completed:f/a",
            "start:f/b", "completed:f/b",
            "start:f/cWaitFor", "completed:f/cWaitFor",
        ])
        for event in flow.events {
            if event == "completed:f" {
                #expect(flow.transition(from: event) == nil)
            } else {
                #expect(flow.transition(from: event) != nil, "\(event)")
            }
        }
        #expect(flow.transition(from: "start:nope") == nil)
    }

    @Test func stateReturnedByOneFlowIsResolvedByNameInAnother() async throws {
        // A state returned by `apply` of flow A means only its events to flow B, even when both
        // flows share the root name.
        let probe = Probe()
        let a = try StepFlow<Probe>("f") {
            Do("a", probeAction("a"))
            Do("b", probeAction("b"))
        }
        let b = try StepFlow<Probe>("f") {
            Do("x", probeAction("x"))
            Do("a", probeAction("a2"))
            Do("c", probeAction("c"))
        }
        let fromA = try await a.apply(FlowState(), context: probe)
        #expect(fromA.events == ["completed:f/a"])
        let inB = try await b.apply(fromA, context: probe)
        #expect(inB.events == ["completed:f/c"])

        let laterA = try await a.apply(fromA, context: probe)
        #expect(laterA.events == ["completed:f/b"])
        await #expect(throws: StepFlowError.self) {
            try await b.apply(laterA, context: probe)
        }
        #expect(!b.canContinue(laterA))

        // The completed state of one flow is the completed state of another of the same name.
        let doneA = try await a.apply(laterA, context: probe)
        #expect(a.isCompleted(doneA))
        #expect(b.isCompleted(doneA))
        #expect(try await b.apply(doneA, context: probe) == doneA)
        #expect(probe.log == ["a", "c", "b"])
    }
}
