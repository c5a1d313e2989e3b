import StepFlow
import Testing

/// The continuous-deployment flow of go-stepflow's `TestGenericExample`, named `name`.
func deployV1Flow(named name: String = "deploy.v1") throws -> StepFlow<Probe> {
    try StepFlow<Probe>(name) {
        Do("getPreActualState", probeAction("getPreActualState"))
        WaitFor("preActualState", probeCondition("preActualState"))
        Case("shouldDeploy", when: probeCondition("shouldDeploy")) {
            Do("createDeployRequest", probeAction("createDeployRequest"))
            WaitFor("acceptedDeployRequest", probeCondition("acceptedDeployRequest"))
            WaitFor("monitorDeploymentProgress", probeCondition("monitorDeploymentProgress"))
            Do("getPostActualState", probeAction("getPostActualState"))
            WaitFor("postActualState", probeCondition("postActualState"))
            Do("validatePostDeployActualState", probeAction("validatePostDeployActualState"))
        }
    }
}

@Suite struct QuickstartSequenceTests {
    func quickstart() throws -> StepFlow<Probe> {
        try StepFlow<Probe> {
            Do("step1", probeAction("step1"))
            WaitFor("aCondition", probeCondition("aCondition"))
            Do("step2", probeAction("step2"))
        }
    }

    @Test func quickstartStatesWithConditionFalseTwiceThenTrue() async throws {
        let probe = Probe()
        probe.script("aCondition", [false, false, true])
        let flow = try quickstart()
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["completed:steps/step1"],
            ["start:steps/aConditionWaitFor"],
            ["start:steps/aConditionWaitFor"],
            ["completed:steps/aConditionWaitFor"],
            ["completed:steps/step2"],
            ["completed:steps"],
        ])
        #expect(probe.log == ["step1", "aCondition=false", "aCondition=false", "aCondition=true", "step2"])
    }

    @Test func quickstartStepResults() async throws {
        let probe = Probe()
        probe.script("aCondition", [false, true])
        let flow = try quickstart()
        var results: [StepResult] = []
        var state = FlowState()
        while !flow.isCompleted(state) {
            let result = try await flow.applyStep(state, context: probe)
            results.append(result)
            state = result.state
        }
        #expect(results.map(\.state.events) == [
            ["completed:steps/step1"],
            ["start:steps/aConditionWaitFor"],
            ["completed:steps/aConditionWaitFor"],
            ["completed:steps/step2"],
            ["completed:steps"],
        ])
        #expect(results.map(\.stepPath) == ["steps/step1", "steps/aConditionWaitFor", "steps/aConditionWaitFor", "steps/step2", nil])
        #expect(results.map(\.outcome) == [.advanced, .waiting, .advanced, .advanced, .noStep])

        // A completed state: unchanged, no step, no code.
        let done = try await flow.applyStep(state, context: probe)
        #expect(done.state == flow.completedState)
        #expect(done.stepPath == nil)
        #expect(done.outcome == .noStep)
        #expect(probe.log == ["step1", "aCondition=false", "aCondition=true", "step2"])
    }

    @Test func completedStateIsReturnedUnchangedAndRunsNoCode() async throws {
        let probe = Probe()
        let flow = try quickstart()
        #expect(flow.completedState == FlowState(events: ["completed:steps"]))
        #expect(flow.isCompleted(FlowState(events: ["completed:steps"])))
        let state = try await flow.apply(FlowState(events: ["completed:steps"]), context: probe)
        #expect(state.events == ["completed:steps"])
        let again = try await flow.apply(state, context: probe)
        #expect(again.events == ["completed:steps"])
        #expect(probe.log.isEmpty)
    }

    @Test func isCompletedRequiresExactlyTheRootCompletion() throws {
        let flow = try quickstart()
        #expect(!flow.isCompleted(FlowState()))
        #expect(!flow.isCompleted(FlowState(events: ["start:steps"])))
        #expect(!flow.isCompleted(FlowState(events: ["completed:steps/step2"])))
        #expect(!flow.isCompleted(FlowState(events: ["completed:steps", "completed:steps"])))
        #expect(!flow.isCompleted(FlowState(events: ["completed:steps", "start:steps"])))
        #expect(!flow.isCompleted(FlowState(events: ["completed:other"])))
        #expect(flow.isCompleted(FlowState(events: ["completed:steps"])))
    }

    /// go-stepflow's `TestSteps`: a nested `Steps` group, 8 applies to completion.
    @Test func nestedStepsGroupSequence() async throws {
        let probe = Probe()
        let flow = try StepFlow<Probe>("TestSteps") {
            Do("stepA", probeAction("stepA"))
            Do("stepB", probeAction("stepB"))
            Do("stepC", probeAction("stepC"))
            Steps("stepD") {
                Do("stepA", probeAction("stepA"))
                Do("stepB", probeAction("stepB"))
                Do("stepA-bis", probeAction("stepA"))
            }
            Do("logExchange", probeAction("log"))
        }
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["completed:TestSteps/stepA"],
            ["completed:TestSteps/stepB"],
            ["completed:TestSteps/stepC"],
            ["completed:TestSteps/stepD/stepA"],
            ["completed:TestSteps/stepD/stepB"],
            ["completed:TestSteps/stepD/stepA-bis"],
            ["completed:TestSteps/logExchange"],
            ["completed:TestSteps"],
        ])
        #expect(probe.log == ["stepA", "stepB", "stepC", "stepA", "stepB", "stepA", "log"])
    }
}

@Suite struct DeploySequenceTests {
    @Test func deployingAllConditionsTrue() async throws {
        let probe = Probe()
        let flow = try deployV1Flow()
        var state = FlowState()
        var seen: [[String]] = []
        for _ in 0..<10 {
            #expect(!flow.isCompleted(state))
            state = try await flow.apply(state, context: probe)
            seen.append(state.events)
        }
        #expect(flow.isCompleted(state))
        #expect(seen == [
            ["completed:deploy.v1/getPreActualState"],
            ["completed:deploy.v1/preActualStateWaitFor"],
            ["start:deploy.v1/shouldDeployCase/steps"],
            ["completed:deploy.v1/shouldDeployCase/steps/createDeployRequest"],
            ["completed:deploy.v1/shouldDeployCase/steps/acceptedDeployRequestWaitFor"],
            ["completed:deploy.v1/shouldDeployCase/steps/monitorDeploymentProgressWaitFor"],
            ["completed:deploy.v1/shouldDeployCase/steps/getPostActualState"],
            ["completed:deploy.v1/shouldDeployCase/steps/postActualStateWaitFor"],
            ["completed:deploy.v1/shouldDeployCase/steps/validatePostDeployActualState"],
            ["completed:deploy.v1"],
        ])
        #expect(probe.log == [
            "getPreActualState",
            "preActualState=true",
            "shouldDeploy=true",
            "createDeployRequest",
            "acceptedDeployRequest=true",
            "monitorDeploymentProgress=true",
            "getPostActualState",
            "postActualState=true",
            "validatePostDeployActualState",
        ])
    }

    @Test func deployingStepPathsAndOutcomes() async throws {
        let probe = Probe()
        let flow = try deployV1Flow()
        var state = FlowState()
        var paths: [String?] = []
        var outcomes: [StepResult.Outcome] = []
        while !flow.isCompleted(state) {
            let result = try await flow.applyStep(state, context: probe)
            paths.append(result.stepPath)
            outcomes.append(result.outcome)
            state = result.state
        }
        #expect(paths == [
            "deploy.v1/getPreActualState",
            "deploy.v1/preActualStateWaitFor",
            "deploy.v1/shouldDeployCase",
            "deploy.v1/shouldDeployCase/steps/createDeployRequest",
            "deploy.v1/shouldDeployCase/steps/acceptedDeployRequestWaitFor",
            "deploy.v1/shouldDeployCase/steps/monitorDeploymentProgressWaitFor",
            "deploy.v1/shouldDeployCase/steps/getPostActualState",
            "deploy.v1/shouldDeployCase/steps/postActualStateWaitFor",
            "deploy.v1/shouldDeployCase/steps/validatePostDeployActualState",
            nil,
        ])
        #expect(outcomes == Array(repeating: .advanced, count: 9) + [.noStep])
    }

    @Test func deployingWithWaits() async throws {
        let probe = Probe()
        probe.script("preActualState", [false])
        probe.script("monitorDeploymentProgress", [false, false])
        let flow = try deployV1Flow()
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["completed:deploy.v1/getPreActualState"],
            ["start:deploy.v1/preActualStateWaitFor"],
            ["completed:deploy.v1/preActualStateWaitFor"],
            ["start:deploy.v1/shouldDeployCase/steps"],
            ["completed:deploy.v1/shouldDeployCase/steps/createDeployRequest"],
            ["completed:deploy.v1/shouldDeployCase/steps/acceptedDeployRequestWaitFor"],
            ["start:deploy.v1/shouldDeployCase/steps/monitorDeploymentProgressWaitFor"],
            ["start:deploy.v1/shouldDeployCase/steps/monitorDeploymentProgressWaitFor"],
            ["completed:deploy.v1/shouldDeployCase/steps/monitorDeploymentProgressWaitFor"],
            ["completed:deploy.v1/shouldDeployCase/steps/getPostActualState"],
            ["completed:deploy.v1/shouldDeployCase/steps/postActualStateWaitFor"],
            ["completed:deploy.v1/shouldDeployCase/steps/validatePostDeployActualState"],
            ["completed:deploy.v1"],
        ])
    }

    @Test func notDeploying() async throws {
        let probe = Probe()
        probe.script("shouldDeploy", [false])
        let flow = try deployV1Flow()
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["completed:deploy.v1/getPreActualState"],
            ["completed:deploy.v1/preActualStateWaitFor"],
            ["completed:deploy.v1/shouldDeployCase"],
            ["completed:deploy.v1"],
        ])
        #expect(probe.log == ["getPreActualState", "preActualState=true", "shouldDeploy=false"])
    }

    @Test func notDeployingOutcomes() async throws {
        let probe = Probe()
        probe.script("shouldDeploy", [false])
        let flow = try deployV1Flow()
        let state = FlowState(events: ["completed:deploy.v1/preActualStateWaitFor"])
        let result = try await flow.applyStep(state, context: probe)
        #expect(result.state.events == ["completed:deploy.v1/shouldDeployCase"])
        #expect(result.stepPath == "deploy.v1/shouldDeployCase")
        #expect(result.outcome == .advanced)
        #expect(probe.log == ["shouldDeploy=false"])
    }
}

@Suite struct ResumeTests {
    @Test func resumesFromStoredWaitForState() async throws {
        let probe = Probe()
        probe.script("preActualState", [false])
        let flow = try deployV1Flow()
        let stored = FlowState(events: ["start:deploy.v1/preActualStateWaitFor"])
        let seen = try await runToCompletion(flow, from: stored, context: probe)
        #expect(seen == [
            ["start:deploy.v1/preActualStateWaitFor"],
            ["completed:deploy.v1/preActualStateWaitFor"],
            ["start:deploy.v1/shouldDeployCase/steps"],
            ["completed:deploy.v1/shouldDeployCase/steps/createDeployRequest"],
            ["completed:deploy.v1/shouldDeployCase/steps/acceptedDeployRequestWaitFor"],
            ["completed:deploy.v1/shouldDeployCase/steps/monitorDeploymentProgressWaitFor"],
            ["completed:deploy.v1/shouldDeployCase/steps/getPostActualState"],
            ["completed:deploy.v1/shouldDeployCase/steps/postActualStateWaitFor"],
            ["completed:deploy.v1/shouldDeployCase/steps/validatePostDeployActualState"],
            ["completed:deploy.v1"],
        ])
        // getPreActualState is never run again.
        #expect(probe.log.first == "preActualState=false")
        #expect(!probe.log.contains("getPreActualState"))
    }

    @Test func resumesFromEveryStoredStateOfARun() async throws {
        // Each state of a full run, rebuilt from its strings (as if loaded from storage),
        // continues to the same next state as the state apply returned.
        let flow = try deployV1Flow()
        let expected = try await runToCompletion(flow, context: Probe())
        var previous: [String] = []
        for next in expected {
            let fromStrings = FlowState(events: previous)
            let state = try await flow.apply(fromStrings, context: Probe())
            #expect(state.events == next, "from \(previous)")
            previous = next
        }
    }

    @Test func resumesFromStatesOfTheCaseGroup() async throws {
        let flow = try deployV1Flow()
        let probe = Probe()
        let state = try await flow.apply(FlowState(events: ["start:deploy.v1/shouldDeployCase/steps"]), context: probe)
        #expect(state.events == ["completed:deploy.v1/shouldDeployCase/steps/createDeployRequest"])
        let resumed = try await flow.apply(
            FlowState(events: ["completed:deploy.v1/shouldDeployCase/steps/validatePostDeployActualState"]), context: probe)
        #expect(resumed.events == ["completed:deploy.v1"])
        let fromCaseStart = try await flow.apply(FlowState(events: ["start:deploy.v1/shouldDeployCase"]), context: probe)
        #expect(fromCaseStart.events == ["start:deploy.v1/shouldDeployCase/steps"])
        #expect(probe.log == ["createDeployRequest", "shouldDeploy=true"])
    }

    @Test func resumesFromRootStartAndEmptyStateAlike() async throws {
        let flow = try deployV1Flow()
        let fromEmpty = try await flow.apply(FlowState(), context: Probe())
        let fromRootStart = try await flow.apply(FlowState(events: ["start:deploy.v1"]), context: Probe())
        let fromDecodedNull = try await flow.apply(FlowState(events: []), context: Probe())
        #expect(fromEmpty.events == ["completed:deploy.v1/getPreActualState"])
        #expect(fromRootStart == fromEmpty)
        #expect(fromDecodedNull == fromEmpty)
    }

    @Test func stateFromOneFlowIsResolvedByNameInAnIdenticalFlow() async throws {
        // Two separately built flows of the same definition accept each other's states.
        let first = try deployV1Flow()
        let second = try deployV1Flow()
        let probe = Probe()
        var state = FlowState()
        var seen: [[String]] = []
        var useFirst = true
        while !second.isCompleted(state) && !first.isCompleted(state) {
            state = try await (useFirst ? first : second).apply(state, context: probe)
            seen.append(state.events)
            useFirst.toggle()
        }
        #expect(seen.count == 10)
        #expect(seen.last == ["completed:deploy.v1"])
        #expect(first.isCompleted(state) && second.isCompleted(state))
    }
}
