import StepFlow
import Testing

/// The states a rewind (and a move to another flow version) writes: pure, nothing runs but the flows applied here.
@Suite struct RewindTests {
    /// go-stepflow's deployment example, its six constructs only.
    func plain() throws -> StepFlow<Script> {
        try StepFlow<Script>("deploy.v1") {
            Do("getPreActualState") { script in try script.run("getPreActualState") }
            WaitFor("preActualState") { script in script.answer("pre") }
            Case("shouldDeploy", when: { _ in true }) {
                Do("createDeployRequest") { script in try script.run("createDeployRequest") }
                WaitFor("acceptedDeployRequest") { script in script.answer("merged") }
                LoopUntil("rollout", until: { script in script.answer("healthy") }) {
                    Do("poke") { script in try script.run("poke") }
                }
                Do("validate") { script in try script.run("validate") }
            }
        }
    }

    /// A flow with compensations, a signal, a timer and parallel branches.
    func extended() throws -> StepFlow<Script> {
        try StepFlow<Script>("d") {
            Do("lock", { script in try script.run("lock") }, compensate: { script in try script.run("unlock") })
            AwaitSignal("approval", as: String.self)
            Retry("pr", policy: .fixed(.seconds(5), maxAttempts: 3)) {
                Do("openPR", { script in try script.run("openPR") }, compensate: { script in try script.run("closePR") })
            }
            Parallel("checks") {
                Branch("a") { Do("lint") { script in try script.run("lint") } }
                Branch("b") { Sleep("settle", for: .seconds(10)) }
            }
            Do("rollout") { script in try script.run("rollout") }
        }
    }

    @Test func theTargetsAreTheStepsAsListWritesThemWithoutParallelBranches() throws {
        #expect(try plain().stepTargets == [
            "getPreActualState", "preActualStateWaitFor", "shouldDeployCase", "shouldDeployCase/steps/createDeployRequest",
            "shouldDeployCase/steps/acceptedDeployRequestWaitFor", "shouldDeployCase/steps/rolloutLoopUntil",
            "shouldDeployCase/steps/rolloutLoopUntil/steps/poke", "shouldDeployCase/steps/validate",
        ])
        #expect(try extended().stepTargets == ["lock", "approvalAwaitSignal", "prRetry/openPR", "checksParallel", "rollout"])
    }

    @Test func aPlainFlowIsRewoundToTheStartEventGoStepflowWritesForAStepAboutToRun() async throws {
        let flow = try plain()
        let script = Script()
        script.answer("pre", true)
        let completed = flow.completedState
        let rewound = try flow.rewound(completed, to: "shouldDeployCase/steps/createDeployRequest")
        #expect(rewound.events == ["start:deploy.v1/shouldDeployCase/steps/createDeployRequest"])
        #expect(try flow.nextStep(in: rewound)?.path == "deploy.v1/shouldDeployCase/steps/createDeployRequest")
        #expect(try flow.position(of: rewound) == "shouldDeployCase/steps/createDeployRequest")
        // The same target written as a full path, or by its last name when that is unique.
        #expect(try flow.rewound(completed, to: "deploy.v1/shouldDeployCase/steps/createDeployRequest") == rewound)
        #expect(try flow.rewound(completed, to: "createDeployRequest") == rewound)
        // Applying it runs that step, and the flow goes on from there.
        let next = try await flow.apply(rewound, context: script)
        #expect(script.log == ["createDeployRequest"])
        #expect(next.events == ["completed:deploy.v1/shouldDeployCase/steps/createDeployRequest"])
        // A loop is targeted as a whole: its body runs again from the start.
        let loop = try flow.rewound(FlowState(), to: "rolloutLoopUntil")
        #expect(try flow.nextStep(in: loop)?.path == "deploy.v1/shouldDeployCase/steps/rolloutLoopUntil/steps/poke")
    }

    @Test func compensationRecordsOfTheStepsBeforeTheTargetAreKeptAndTheOthersDropped() throws {
        let flow = try extended()
        let failed = FlowState(events: ["failed:d", "done:d/lock", "done:d/prRetry/openPR"])
        #expect(try flow.rewound(failed, to: "prRetry/openPR").events == ["start:d/prRetry/openPR", "done:d/lock"])
        #expect(try flow.rewound(failed, to: "rollout").events == ["start:d/rollout", "done:d/lock", "done:d/prRetry/openPR"])
        #expect(try flow.rewound(failed, to: "lock").events == ["start:d/lock"])
        // Consumed signals stay consumed (a rewound AwaitSignal waits for a new signal); timers start afresh.
        let waiting = FlowState(events: [
            "start:d/prRetry/openPR", "retry:2:9000:d/prRetry", "signal:1:approval", "done:d/lock",
        ])
        #expect(try flow.rewound(waiting, to: "approvalAwaitSignal").events == [
            "start:d/approvalAwaitSignal", "signal:1:approval", "done:d/lock",
        ])
        #expect(flow.compensationRecords(in: failed) == ["lock", "prRetry/openPR"])
    }

    @Test func aParallelGroupIsATargetAsAWholeAndAProcessInsideItIsAtTheGroup() throws {
        let flow = try extended()
        let inside = FlowState(events: ["completed:d/checksParallel/a/lint", "start:d/checksParallel/b/settleSleep", "signal:1:approval"])
        #expect(try flow.position(of: inside) == "checksParallel")
        #expect(try flow.rewound(inside, to: "checksParallel").events == ["start:d/checksParallel", "signal:1:approval"])
        #expect(try flow.position(of: FlowState()) == "lock")
        #expect(try flow.position(of: flow.completedState) == nil)
        #expect(throws: StepFlowError.self) { try flow.position(of: ["failed:d", "done:d/lock"]) }
    }

    @Test func aStepInsideAParallelBranchAnUnknownPathOrAGroupIsRefusedWithTheTargets() throws {
        let flow = try extended()
        let targets = "lock, approvalAwaitSignal, prRetry/openPR, checksParallel, rollout"
        for (path, reason) in [
            ("checksParallel/a/lint", "'checksParallel/a/lint' is inside a Parallel branch, which cannot be moved alone"),
            ("lint", "'lint' is inside a Parallel branch, which cannot be moved alone"),
            ("nope", "it has no step 'nope'"),
            ("prRetry", "'prRetry' is a group (Retry), not a step"),
        ] {
            let error = try #require(throws: StepFlowError.self) { try flow.rewound(FlowState(), to: path) }
            #expect(error.code == .invalidTarget)
            #expect(error.message == "flow 'd': \(reason); the steps that can be targeted are: \(targets)")
        }
    }

    @Test func aStateIsBuiltAtAStepWithRecordsFromAnotherVersion() throws {
        let flow = try extended()
        let state = try flow.state(about: "rollout", compensationRecords: ["lock", "prRetry/openPR"], consumedSignals: ["approval": 1])
        #expect(state.events == ["start:d/rollout", "signal:1:approval", "done:d/lock", "done:d/prRetry/openPR"])
        let error = try #require(throws: StepFlowError.self) { try flow.state(about: "rollout", compensationRecords: ["rollout"]) }
        #expect(error.message == "flow 'd' has no compensable step 'rollout'; its compensable steps are: lock, prRetry/openPR")
        // A flow of go-stepflow's constructs writes no records.
        #expect(try plain().state(about: "getPreActualState", compensationRecords: ["x"]).events == ["start:deploy.v1/getPreActualState"])
    }
}
