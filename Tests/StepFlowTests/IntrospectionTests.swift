import StepFlow
import Testing

/// `s { a; wWaitFor; cCase { steps { d } }; lLoopUntil { steps {} }; rRetry { x } }`
func smallIntrospectionFlow() throws -> StepFlow<Probe> {
    try StepFlow<Probe>("s") {
        Do("a", probeAction("a"))
        WaitFor("w", probeCondition("w"))
        Case("c", when: probeCondition("c")) {
            Do("d", probeAction("d"))
        }
        LoopUntil("l", until: probeCondition("l")) {}
        Retry("r", shouldRetry: probeHandler("r")) {
            Do("x", probeAction("x"))
        }
    }
}

/// One line per item, depth first: `<indent><kind> <name> <path>`.
func itemOutline(_ item: FlowItem, depth: Int = 0) -> [String] {
    [String(repeating: "  ", count: depth) + "\(item.kind) \(item.name) \(item.path)"]
        + item.children.flatMap { itemOutline($0, depth: depth + 1) }
}


@Suite struct NamingTests {
    @Test func rootWithoutNameIsSteps() throws {
        let flow = try StepFlow<Probe> { Do("a", probeAction("a")) }
        #expect(flow.name == "steps")
        #expect(flow.root.path == "steps")
        #expect(flow.root.name == "steps")
        #expect(flow.root.kind == .steps)
        #expect(flow.completedState.events == ["completed:steps"])
        #expect(flow.root.children.map(\.path) == ["steps/a"])
    }

    @Test func namedRoot() throws {
        let flow = try StepFlow<Probe>("deploy.v1") { Do("a", probeAction("a")) }
        #expect(flow.name == "deploy.v1")
        #expect(flow.root.path == "deploy.v1")
        #expect(flow.completedState.events == ["completed:deploy.v1"])
    }

    @Test func pathsOfEveryKind() throws {
        let flow = try smallIntrospectionFlow()
        #expect(itemOutline(flow.root) == [
            "Steps s s",
            "  Do a s/a",
            "  WaitFor wWaitFor s/wWaitFor",
            "  Case cCase s/cCase",
            "    Steps steps s/cCase/steps",
            "      Do d s/cCase/steps/d",
            "  LoopUntil lLoopUntil s/lLoopUntil",
            "    Steps steps s/lLoopUntil/steps",
            "  Retry rRetry s/rRetry",
            "    Do x s/rRetry/x",
        ])
    }

    @Test func deployFlowPaths() throws {
        let flow = try deployV1Flow()
        #expect(flow.root.allItems.map(\.path) == [
            "deploy.v1",
            "deploy.v1/getPreActualState",
            "deploy.v1/preActualStateWaitFor",
            "deploy.v1/shouldDeployCase",
            "deploy.v1/shouldDeployCase/steps",
            "deploy.v1/shouldDeployCase/steps/createDeployRequest",
            "deploy.v1/shouldDeployCase/steps/acceptedDeployRequestWaitFor",
            "deploy.v1/shouldDeployCase/steps/monitorDeploymentProgressWaitFor",
            "deploy.v1/shouldDeployCase/steps/getPostActualState",
            "deploy.v1/shouldDeployCase/steps/postActualStateWaitFor",
            "deploy.v1/shouldDeployCase/steps/validatePostDeployActualState",
        ])
    }

    @Test func nestedKindsComposePaths() throws {
        let flow = try StepFlow<Probe>("n") {
            Steps("g") {
                Retry("r", shouldRetry: probeHandler("r")) {
                    LoopUntil("l", until: probeCondition("l")) {
                        Case("c", when: probeCondition("c")) {
                            WaitFor("w", probeCondition("w"))
                        }
                    }
                }
            }
        }
        let leaf = try #require(flow.root.allItems.last)
        #expect(leaf.path == "n/g/rRetry/lLoopUntil/steps/cCase/steps/wWaitFor")
        #expect(leaf.name == "wWaitFor")
        #expect(leaf.kind == .waitFor)
        #expect(leaf.startEvent == "start:n/g/rRetry/lLoopUntil/steps/cCase/steps/wWaitFor")
        #expect(leaf.completedEvent == "completed:n/g/rRetry/lLoopUntil/steps/cCase/steps/wWaitFor")
    }

    @Test func eventsInDefinitionOrder() throws {
        let flow = try smallIntrospectionFlow()
        #expect(flow.events == flow.root.allItems.flatMap { [$0.startEvent, $0.completedEvent] })
        #expect(flow.events.prefix(4) == ["start:s", "completed:s", "start:s/a", "completed:s/a"])
        #expect(flow.events.count == 20)
    }

    @Test func kindDescriptionsAndIsStep() {
        #expect(FlowItem.Kind.steps.description == "Steps")
        #expect(FlowItem.Kind.do.description == "Do")
        #expect(FlowItem.Kind.waitFor.description == "WaitFor")
        #expect(FlowItem.Kind.case.description == "Case")
        #expect(FlowItem.Kind.loopUntil.description == "LoopUntil")
        #expect(FlowItem.Kind.retry.description == "Retry")
        #expect(FlowItem.Kind.do.isStep && FlowItem.Kind.waitFor.isStep)
        #expect(!FlowItem.Kind.steps.isStep && !FlowItem.Kind.retry.isStep)
    }
}

@Suite struct TransitionTableTests {
    @Test func transitionsOfASmallFlow() throws {
        let flow = try smallIntrospectionFlow()
        let transitions = flow.transitions
        #expect(transitions.count == 19)
        #expect(Set(transitions.map(\.source)).count == 19)
        #expect(Set(transitions.map(\.source)) == Set(flow.events).subtracting(["completed:s"]))

        let bySource = Dictionary(uniqueKeysWithValues: transitions.map { ($0.source, $0) })
        func check(
            _ source: String, item: String, step: Bool, _ destinations: [FlowTransition.Destination],
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            guard let transition = bySource[source] else {
                Issue.record("no transition from \(source)", sourceLocation: sourceLocation)
                return
            }
            #expect(transition.itemPath == item, sourceLocation: sourceLocation)
            #expect(transition.isStep == step, sourceLocation: sourceLocation)
            #expect(Set(transition.destinations) == Set(destinations), sourceLocation: sourceLocation)
            #expect(transition.destinations.count == destinations.count, sourceLocation: sourceLocation)
            #expect(flow.transition(from: source) == transition, sourceLocation: sourceLocation)
        }
        func d(_ event: String, _ reason: FlowTransition.Reason) -> FlowTransition.Destination {
            // Destination has no public initializer: find it among the flow's transitions.
            FlowTransition.Destination.make(event, reason, in: transitions)
        }

        check("start:s", item: "s", step: false, [d("start:s/a", .structural)])
        check("start:s/a", item: "s/a", step: true, [d("completed:s/a", .completed)])
        check("completed:s/a", item: "s", step: false, [d("start:s/wWaitFor", .structural)])
        check("start:s/wWaitFor", item: "s/wWaitFor", step: true, [
            d("start:s/wWaitFor", .waitForConditionNotMet),
            d("completed:s/wWaitFor", .waitForConditionMet),
        ])
        check("completed:s/wWaitFor", item: "s", step: false, [d("start:s/cCase", .structural)])
        check("start:s/cCase", item: "s/cCase", step: true, [
            d("start:s/cCase/steps", .caseConditionMet),
            d("completed:s/cCase", .caseConditionNotMet),
        ])
        check("start:s/cCase/steps", item: "s/cCase/steps", step: false, [d("start:s/cCase/steps/d", .structural)])
        check("start:s/cCase/steps/d", item: "s/cCase/steps/d", step: true, [d("completed:s/cCase/steps/d", .completed)])
        check("completed:s/cCase/steps/d", item: "s/cCase/steps", step: false, [d("completed:s/cCase/steps", .structural)])
        check("completed:s/cCase/steps", item: "s/cCase", step: false, [d("completed:s/cCase", .structural)])
        check("completed:s/cCase", item: "s", step: false, [d("start:s/lLoopUntil", .structural)])
        check("start:s/lLoopUntil", item: "s/lLoopUntil", step: false, [d("start:s/lLoopUntil/steps", .structural)])
        check("start:s/lLoopUntil/steps", item: "s/lLoopUntil/steps", step: false, [d("completed:s/lLoopUntil/steps", .structural)])
        check("completed:s/lLoopUntil/steps", item: "s/lLoopUntil", step: true, [
            d("start:s/lLoopUntil/steps", .loopUntilConditionNotMet),
            d("completed:s/lLoopUntil", .loopUntilConditionMet),
        ])
        check("completed:s/lLoopUntil", item: "s", step: false, [d("start:s/rRetry", .structural)])
        check("start:s/rRetry", item: "s/rRetry", step: false, [d("start:s/rRetry/x", .structural)])
        check("start:s/rRetry/x", item: "s/rRetry/x", step: true, [
            d("completed:s/rRetry/x", .completed),
            d("start:s/rRetry", .retry),
        ])
        check("completed:s/rRetry/x", item: "s/rRetry", step: false, [d("completed:s/rRetry", .structural)])
        check("completed:s/rRetry", item: "s", step: false, [d("completed:s", .structural)])
    }

    @Test func reasonTextsMatchGoStepflow() {
        #expect(FlowTransition.Reason.completed.description == "completed")
        #expect(FlowTransition.Reason.waitForConditionMet.description == "WaitFor condition is met")
        #expect(FlowTransition.Reason.waitForConditionNotMet.description == "WaitFor condition is not met")
        #expect(FlowTransition.Reason.caseConditionMet.description == "Case condition is met")
        #expect(FlowTransition.Reason.caseConditionNotMet.description == "Case condition is not met")
        #expect(FlowTransition.Reason.loopUntilConditionMet.description == "LoopUntil condition is met")
        #expect(FlowTransition.Reason.loopUntilConditionNotMet.description == "LoopUntil condition is not met")
        #expect(FlowTransition.Reason.retry.description == "retry")
    }

    @Test func nestedRetryDestinationsInnermostFirst() throws {
        let flow = try nestedRetryFixture()
        let i2 = try #require(flow.transition(from: "start:r/outerRetry/innerRetry/i2"))
        #expect(i2.isStep)
        #expect(i2.destinations.map(\.event) == [
            "completed:r/outerRetry/innerRetry/i2",
            "start:r/outerRetry/innerRetry",
            "start:r/outerRetry",
        ])
        #expect(i2.destinations.map(\.reason) == [.completed, .retry, .retry])

        let o1 = try #require(flow.transition(from: "start:r/outerRetry/o1"))
        #expect(o1.destinations.map(\.event) == ["completed:r/outerRetry/o1", "start:r/outerRetry"])
        #expect(o1.destinations.map(\.reason) == [.completed, .retry])

        let before = try #require(flow.transition(from: "start:r/before"))
        #expect(before.destinations.map(\.event) == ["completed:r/before"])
        #expect(before.destinations.map(\.reason) == [.completed])
    }

    @Test func conditionsInsideRetryCanGoToRetry() throws {
        let flow = try StepFlow<Probe>("c") {
            Retry("g", shouldRetry: probeHandler("g")) {
                LoopUntil("p", until: probeCondition("p")) {}
                Case("m", when: probeCondition("m")) {}
                WaitFor("w", probeCondition("w"))
            }
        }
        for source in ["completed:c/gRetry/pLoopUntil/steps", "start:c/gRetry/mCase", "start:c/gRetry/wWaitFor"] {
            let transition = try #require(flow.transition(from: source))
            #expect(transition.isStep)
            #expect(transition.destinations.count == 3)
            #expect(transition.destinations.last?.event == "start:c/gRetry")
            #expect(transition.destinations.last?.reason == .retry)
        }
    }

    @Test func groupLinks() throws {
        let flow = try StepFlow<Probe>("g") {
            Do("one", probeAction("1"))
            Do("two", probeAction("2"))
            Do("three", probeAction("3"))
            Steps("empty") {}
        }
        func next(_ event: String) -> [String]? { flow.transition(from: event)?.destinations.map(\.event) }
        #expect(next("start:g") == ["start:g/one"])
        #expect(next("completed:g/one") == ["start:g/two"])
        #expect(next("completed:g/two") == ["start:g/three"])
        #expect(next("completed:g/three") == ["start:g/empty"])
        #expect(next("start:g/empty") == ["completed:g/empty"])
        #expect(next("completed:g/empty") == ["completed:g"])
        #expect(next("completed:g") == nil)
        #expect(next("start:g/one") == ["completed:g/one"])
    }

    @Test func emptyRootLinksStartToCompleted() throws {
        let flow = try StepFlow<Probe> {}
        #expect(flow.events == ["start:steps", "completed:steps"])
        #expect(flow.transitions.count == 1)
        #expect(flow.transitions.first?.source == "start:steps")
        #expect(flow.transitions.first?.destinations.map(\.event) == ["completed:steps"])
        #expect(flow.transitions.first?.isStep == false)
    }

    @Test func stepTransitionsAreExactlyTheUserCodeOnes() throws {
        let flow = try deployV1Flow()
        #expect(flow.transitions.filter(\.isStep).map(\.source).sorted() == [
            "start:deploy.v1/getPreActualState",
            "start:deploy.v1/preActualStateWaitFor",
            "start:deploy.v1/shouldDeployCase",
            "start:deploy.v1/shouldDeployCase/steps/createDeployRequest",
            "start:deploy.v1/shouldDeployCase/steps/acceptedDeployRequestWaitFor",
            "start:deploy.v1/shouldDeployCase/steps/monitorDeploymentProgressWaitFor",
            "start:deploy.v1/shouldDeployCase/steps/getPostActualState",
            "start:deploy.v1/shouldDeployCase/steps/postActualStateWaitFor",
            "start:deploy.v1/shouldDeployCase/steps/validatePostDeployActualState",
        ].sorted())
    }
}

@Suite struct NextStepTests {
    @Test func nextStepFollowsStructuralTransitionsOnly() throws {
        let flow = try smallIntrospectionFlow()
        let probe = Probe()
        func next(_ events: [String]) throws -> FlowItem? { try flow.nextStep(in: FlowState(events: events)) }

        let first = try #require(try flow.nextStep(in: FlowState()))
        #expect(first.path == "s/a")
        #expect(first.kind == .do)
        #expect(first.name == "a")
        #expect(try next(["completed:s/a"])?.path == "s/wWaitFor")
        #expect(try next(["completed:s/a"])?.kind == .waitFor)
        #expect(try next(["start:s/wWaitFor"])?.path == "s/wWaitFor")
        #expect(try next(["completed:s/wWaitFor"])?.path == "s/cCase")
        #expect(try next(["completed:s/wWaitFor"])?.kind == .case)
        #expect(try next(["start:s/cCase/steps"])?.path == "s/cCase/steps/d")
        #expect(try next(["completed:s/cCase/steps/d"])?.path == "s/lLoopUntil")
        #expect(try next(["completed:s/cCase/steps/d"])?.kind == .loopUntil)
        #expect(try next(["completed:s/lLoopUntil"])?.path == "s/rRetry/x")
        #expect(try next(["start:s/rRetry"])?.path == "s/rRetry/x")
        #expect(try next(["completed:s/rRetry/x"]) == nil)
        #expect(try next(["completed:s"]) == nil)
        #expect(try next(["nope", "completed:s/a"])?.path == "s/wWaitFor")
        #expect(probe.log.isEmpty)
    }

    @Test func nextStepNamesTheStepApplyRuns() async throws {
        let flow = try deployV1Flow()
        let probe = Probe()
        var state = FlowState()
        while !flow.isCompleted(state) {
            let predicted = try flow.nextStep(in: state)
            let result = try await flow.applyStep(state, context: probe)
            #expect(predicted?.path == result.stepPath)
            state = result.state
        }
    }

    /// `nextStepPath(in:)` is the path of `nextStep(in:)`, in every state of a flow and at the start, and throws where
    /// it throws.
    @Test func nextStepPathIsTheNextStepsPath() throws {
        func expectSame(_ flow: StepFlow<Probe>, _ events: [String]) {
            let state = FlowState(events: events)
            let path = Result { try flow.nextStepPath(in: state) }
            let item = Result { try flow.nextStep(in: state)?.path }
            switch (path, item) {
            case let (.success(a), .success(b)): #expect(a == b, "\(events)")
            case (.failure, .failure): break
            default: Issue.record("\(events): \(path) but \(item)")
            }
        }
        let flow = try smallIntrospectionFlow()
        for events in [[]] + flow.events.map({ [$0] }) + [["nope", "completed:s/a"]] { expectSame(flow, events) }
        #expect(try flow.nextStepPath(in: FlowState()) == "s/a")
        #expect(try flow.nextStepPath(in: FlowState(events: ["completed:s/rRetry/x"])) == nil)
        #expect(throws: StepFlowError.self) { try flow.nextStepPath(in: FlowState(events: ["nope"])) }

        let extended = try StepFlow<Probe>("r") {
            Parallel("p") {
                Branch("slow") { Sleep("pause", for: .seconds(60)) }
                Branch("fast") { Do("work", probeAction("work")) }
            }
        }
        for events in [[]] + extended.events.map({ [$0] }) { expectSame(extended, events) }
        #expect(try extended.nextStepPath(in: FlowState()) != nil)
    }

    @Test func nextStepRunsNoUserCode() throws {
        let spy = Probe()
        let flow = try StepFlow<Probe>("s") {
            Do("a") { _ in spy.record("a") }
            WaitFor("w") { _ in spy.record("w"); return true }
            Case("c", when: { _ in spy.record("c"); return true }) {}
            LoopUntil("l", until: { _ in spy.record("l"); return true }) {}
        }
        for event in flow.events {
            _ = try flow.nextStep(in: FlowState(events: [event]))
        }
        _ = try flow.nextStep(in: FlowState())
        #expect(spy.log.isEmpty)
    }
}

extension FlowTransition.Destination {
    /// The destination `event`/`reason` as found in `transitions` (the type has no public initializer).
    static func make(_ event: String, _ reason: FlowTransition.Reason, in transitions: [FlowTransition]) -> Self {
        for transition in transitions {
            for destination in transition.destinations where destination.event == event && destination.reason == reason {
                return destination
            }
        }
        Issue.record("no destination \(event) (\(reason)) in the flow")
        return transitions[0].destinations[0]
    }
}

/// `flow.transitions` lists transitions in go-stepflow's order, with its destination order.
@Suite struct TransitionOrderTests {
    @Test func transitionsAreListedInGoStepflowsOrder() throws {
        let flow = try StepFlow<Int>("f") {
            Do("a") { _ in }
            Case("c", when: { _ in true }) {
                Do("b") { _ in }
            }
        }
        #expect(flow.transitions.map(\.source) == [
            "start:f",
            "start:f/a",
            "completed:f/a",
            "start:f/cCase",
            "completed:f/cCase/steps",
            "start:f/cCase/steps",
            "start:f/cCase/steps/b",
            "completed:f/cCase/steps/b",
            "completed:f/cCase",
        ])
        let caseTransition = try #require(flow.transition(from: "start:f/cCase"))
        #expect(caseTransition.destinations.map(\.event) == ["start:f/cCase/steps", "completed:f/cCase"])
        #expect(caseTransition.destinations.map(\.reason) == [.caseConditionMet, .caseConditionNotMet])
    }
}
