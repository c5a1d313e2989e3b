import StepFlow
import Testing

@Suite struct ParallelTests {
    func regions() throws -> StepFlow<Script> {
        try StepFlow<Script>("r") {
            Do("build") { script in try script.run("build") }
            Parallel("regions") {
                Branch("eu") {
                    Do("deploy") { script in try script.run("eu deploy") }
                    WaitFor("healthy") { script in script.answer("eu healthy") }
                }
                Branch("us") {
                    Do("deploy") { script in try script.run("us deploy") }
                    Do("verify") { script in try script.run("us verify") }
                }
            }
            Do("announce") { script in try script.run("announce") }
        }
    }

    @Test func branchesTakeTurnsAndTheGroupCompletesWhenAllHave() async throws {
        let flow = try regions()
        let script = Script()
        var states: [[String]] = []
        var state = FlowState()
        for _ in 0..<5 {
            state = try await flow.apply(state, context: script, environment: at(0))
            states.append(state.events)
        }
        #expect(states == [
            ["start:r/regionsParallel/eu/deploy", "start:r/regionsParallel/us/deploy"],
            ["start:r/regionsParallel/us/deploy", "start:r/regionsParallel/eu/healthyWaitFor"],
            ["start:r/regionsParallel/eu/healthyWaitFor", "start:r/regionsParallel/us/verify"],
            // The waiting branch goes last, so the other one runs next.
            ["start:r/regionsParallel/us/verify", "start:r/regionsParallel/eu/healthyWaitFor"],
            ["start:r/regionsParallel/eu/healthyWaitFor", "completed:r/regionsParallel/us"],
        ])
        script.answer("eu healthy", true)
        state = try await flow.apply(state, context: script, environment: at(0))
        #expect(state.events == ["start:r/announce"])
        state = try await flow.apply(state, context: script, environment: at(0))
        #expect(flow.isCompleted(state))
        #expect(script.log == ["build", "eu deploy", "us deploy", "us verify", "announce"])
    }

    @Test func aFailingBranchStopsTheOthersAndAnEnclosingRetryRestartsTheGroup() async throws {
        let flow = try StepFlow<Script>("r") {
            Retry("regions", policy: .fixed(.seconds(10), maxAttempts: 2)) {
                Parallel("regions") {
                    Branch("eu") { Do("deploy") { script in try script.run("eu") } }
                    Branch("us") {
                        Do("deploy") { script in try script.run("us") }
                        Do("verify") { script in try script.run("us verify") }
                    }
                }
            }
        }
        let script = Script()
        script.fail("us")
        var state = try await flow.apply(FlowState(), context: script, environment: at(0))  // eu deploys
        let failed = try await flow.applyStep(state, context: script, environment: at(0))   // us fails
        #expect(failed.outcome == .retried)
        // Both branches are gone: the group restarts from its start after the delay.
        #expect(failed.state.events == [
            "start:r/regionsRetry/regionsParallel/eu/deploy", "start:r/regionsRetry/regionsParallel/us/deploy",
            "retry:1:10000:r/regionsRetry",
        ])
        state = failed.state
        for _ in 0..<4 { state = try await flow.apply(state, context: script, environment: at(10)) }
        #expect(flow.isCompleted(state))
        #expect(script.log == ["eu", "us failed", "eu", "us", "us verify"])
    }

    @Test func aSleepingBranchLetsTheOtherRunAndTheStateSaysWhenToComeBack() async throws {
        let flow = try StepFlow<Script>("r") {
            Parallel("p") {
                Branch("slow") { Sleep("pause", for: .seconds(60)) }
                Branch("fast") { Do("work") { script in try script.run("work") } }
            }
        }
        let script = Script()
        let first = try await flow.applyStep(FlowState(), context: script, environment: at(0))
        #expect(first.stepPath == "r/pParallel/fast/work")
        #expect(first.notBefore == t(60))
        let idle = try await flow.applyStep(first.state, context: script, environment: at(30))
        #expect(idle.outcome == .waiting)
        #expect(idle.stepPath == nil)
        let woke = try await flow.applyStep(first.state, context: script, environment: at(60))
        #expect(woke.stepPath == "r/pParallel/slow/pauseSleep")
        #expect(flow.isCompleted(woke.state))
    }

    @Test func duplicateBranchNamesAndEmptyGroupsAreConstructionErrors() {
        let duplicate = #expect(throws: StepFlowError.self) {
            try StepFlow<Script>("r") {
                Parallel("p") {
                    Branch("eu") { Do("a") { _ in } }
                    Branch("eu") { Do("b") { _ in } }
                }
            }
        }
        #expect(duplicate?.code == .duplicatePath)
        #expect(duplicate?.path == "r/pParallel/eu")
        let empty = #expect(throws: StepFlowError.self) {
            try StepFlow<Script>("r") { Parallel("p") {} }
        }
        #expect(empty?.code == .invalidDefinition)
    }

    @Test func sixteenBranchesAllRunOnceAndJoin() async throws {
        let flow = try StepFlow<Script>("r") {
            Parallel("p") {
                for index in 0..<16 {
                    Branch("b\(index)") { Do("work") { script in try script.run("b\(index)") } }
                }
            }
        }
        let script = Script()
        var state = FlowState()
        var applies = 0
        while !flow.isCompleted(state) {
            state = try await flow.apply(state, context: script, environment: at(0))
            applies += 1
            #expect(state.events.count <= 16)
        }
        #expect(applies == 16)
        #expect(Set(script.log).count == 16)
    }
}
