import StepFlow
import Testing

/// A fragment shared between flows.
@StepsBuilder<Probe>
func verificationFragment(strict: Bool) -> FlowBody<Probe> {
    WaitFor("healthy", probeCondition("healthy"))
    if strict {
        Do("audit", probeAction("audit"))
    }
}

enum BuilderMode: Sendable {
    case fast, careful, skip
}

@Suite struct BuilderTests {
    func build(verify: Bool, canary: Bool, regions: [String]) throws -> StepFlow<Probe> {
        try StepFlow<Probe>("b") {
            Do("prepare", probeAction("prepare"))
            if canary {
                Do("canary", probeAction("canary"))
            } else {
                Do("direct", probeAction("direct"))
            }
            for region in regions {
                Do("deploy-\(region)", probeAction(region))
            }
            if verify {
                WaitFor("healthy", probeCondition("healthy"))
            }
        }
    }

    @Test func ifTrueElseAndForLoop() async throws {
        let flow = try build(verify: true, canary: true, regions: ["eu", "us"])
        #expect(flow.root.children.map(\.path) == [
            "b/prepare", "b/canary", "b/deploy-eu", "b/deploy-us", "b/healthyWaitFor",
        ])
        let probe = Probe()
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["completed:b/prepare"],
            ["completed:b/canary"],
            ["completed:b/deploy-eu"],
            ["completed:b/deploy-us"],
            ["completed:b/healthyWaitFor"],
            ["completed:b"],
        ])
        #expect(probe.log == ["prepare", "canary", "eu", "us", "healthy=true"])
    }

    @Test func ifFalseElseBranchAndEmptyFor() async throws {
        let flow = try build(verify: false, canary: false, regions: [])
        #expect(flow.root.children.map(\.path) == ["b/prepare", "b/direct"])
        let probe = Probe()
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [["completed:b/prepare"], ["completed:b/direct"], ["completed:b"]])
        #expect(probe.log == ["prepare", "direct"])
    }

    @Test func forLoopWithDuplicateNamesIsADuplicatePath() throws {
        let error = try #require(flowConstructionError {
            try StepFlow<Probe>("b") {
                for _ in 0..<2 {
                    Do("same", probeAction("same"))
                }
            }
        })
        #expect(error.code == .duplicatePath)
        #expect(error.path == "b/same")
    }

    @Test func emptyBlocksEverywhere() async throws {
        let flow = try StepFlow<Probe>("e") {
            Steps("g") {}
            Case("c", when: probeCondition("c")) {}
            LoopUntil("l", until: probeCondition("l")) {}
            Retry("r", shouldRetry: probeHandler("r")) {}
        }
        #expect(flow.root.allItems.map(\.path) == [
            "e", "e/g", "e/cCase", "e/cCase/steps", "e/lLoopUntil", "e/lLoopUntil/steps", "e/rRetry",
        ])
        let probe = Probe()
        let seen = try await runToCompletion(flow, context: probe)
        #expect(seen == [
            ["start:e/cCase/steps"],
            ["completed:e/lLoopUntil"],
            ["completed:e"],
        ])
        #expect(probe.log == ["c=true", "l=true"])
    }

    @Test func conditionalsInsideNestedBlocks() throws {
        func flow(_ flag: Bool) throws -> StepFlow<Probe> {
            try StepFlow<Probe>("n") {
                Case("c", when: probeCondition("c")) {
                    if flag { Do("yes", probeAction("yes")) } else { Do("no", probeAction("no")) }
                }
                LoopUntil("l", until: probeCondition("l")) {
                    for index in 0..<(flag ? 2 : 0) {
                        Do("i\(index)", probeAction("i"))
                    }
                }
                Retry("r", shouldRetry: probeHandler("r")) {
                    if flag {
                        Steps("g") { Do("x", probeAction("x")) }
                    }
                }
                Steps("s") {
                    if !flag { WaitFor("w", probeCondition("w")) }
                }
            }
        }
        #expect(try flow(true).root.allItems.map(\.path) == [
            "n", "n/cCase", "n/cCase/steps", "n/cCase/steps/yes",
            "n/lLoopUntil", "n/lLoopUntil/steps", "n/lLoopUntil/steps/i0", "n/lLoopUntil/steps/i1",
            "n/rRetry", "n/rRetry/g", "n/rRetry/g/x",
            "n/s",
        ])
        #expect(try flow(false).root.allItems.map(\.path) == [
            "n", "n/cCase", "n/cCase/steps", "n/cCase/steps/no",
            "n/lLoopUntil", "n/lLoopUntil/steps",
            "n/rRetry",
            "n/s", "n/s/wWaitFor",
        ])
    }

    @Test func switchStatement() throws {
        func flow(_ mode: BuilderMode) throws -> StepFlow<Probe> {
            try StepFlow<Probe>("m") {
                switch mode {
                case .fast: Do("fast", probeAction("fast"))
                case .careful: WaitFor("careful", probeCondition("careful"))
                case .skip: FlowBody<Probe>()
                }
            }
        }
        #expect(try flow(.fast).root.children.map(\.path) == ["m/fast"])
        #expect(try flow(.careful).root.children.map(\.path) == ["m/carefulWaitFor"])
        #expect(try flow(.skip).root.children.isEmpty)
    }

    @Test func sharedFragment() async throws {
        let strict = try StepFlow<Probe>("s") {
            Do("deploy", probeAction("deploy"))
            verificationFragment(strict: true)
        }
        let lax = try StepFlow<Probe>("l") {
            Steps("check") { verificationFragment(strict: false) }
        }
        #expect(strict.root.children.map(\.path) == ["s/deploy", "s/healthyWaitFor", "s/audit"])
        #expect(lax.root.allItems.map(\.path) == ["l", "l/check", "l/check/healthyWaitFor"])
        let probe = Probe()
        _ = try await runToCompletion(strict, context: probe)
        #expect(probe.log == ["deploy", "healthy=true", "audit"])
    }

    @Test func flowIsSendableAndReusable() async throws {
        let flow = try deployV1Flow()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await runToCompletion(flow, context: Probe()).count
                }
            }
            var counts: [Int] = []
            for try await count in group { counts.append(count) }
            return counts
        }
        #expect(results == Array(repeating: 10, count: 8))
    }
}

/// Throwing conditions and handlers need no `try` on the construct that holds them.
@Suite struct ThrowingClosureSpellingTests {
    struct Client: Sendable {
        func isMerged() async throws -> Bool { true }
        func shouldRetry(_ error: any Error) async throws -> Bool { false }
    }

    @Test func throwingConditionsNeedNoTryOnTheirConstruct() async throws {
        let flow = try StepFlow<Client>("spelling") {
            Case("deploy", when: { client in try await client.isMerged() }) {
                LoopUntil("poll", until: { client in try await client.isMerged() }) {
                    Retry("push", shouldRetry: { client, error in try await client.shouldRetry(error) }) {
                        Do("push") { _ in }
                    }
                }
            }
            Steps("group") {
                WaitFor("merged") { client in try await client.isMerged() }
            }
        }
        var state = FlowState()
        while !flow.isCompleted(state) { state = try await flow.apply(state, context: Client()) }
        #expect(state == flow.completedState)
    }
}
