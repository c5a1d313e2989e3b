import DeployPipeline
import Foundation
import MoveScenarios
import StepFlow
import StepFlowRuntime
import StepFlowTesting
import Testing

/// Rewind, migration and bounded poll history on the memory store, with a manual clock.
@Suite struct MovesAndPollsTests {
    func scenarios() -> DeployMoves {
        let clock = ManualClock()
        return DeployMoves(store: MemoryProcessStore(), clock: clock) { clock.advance(by: $0) }
    }

    @Test func aFailedRolloutIsRewoundToCreateDeployRequestAndCompletes() async throws {
        try await scenarios().rewindAFailedRolloutToCreateDeployRequest()
    }

    @Test func v1ProcessesCaughtAtEveryStepAreMigratedToV2AndComplete() async throws {
        try await scenarios().migrateV1ProcessesCaughtAtEveryStep()
    }

    @Test func aDayOfFiveSecondPollsLeavesAtMostThreeHistoryRows() async throws {
        let clock = ManualClock()
        try await PollHistoryCheck().run(on: MemoryProcessStore(), clock: clock) { clock.advance(by: $0) }
    }

    @Test func consecutivePollsOfOneStepAreOneEntry() {
        let start = Date(timeIntervalSince1970: 1_767_268_800)  // 2026-01-01T12:00:00Z
        func entry(_ outcome: HistoryEntry.Outcome, _ path: String?, at seconds: Double, duration: Duration = .milliseconds(2)) -> HistoryEntry {
            HistoryEntry(
                sequence: 1, startedAt: start.addingTimeInterval(seconds), stepPath: path, before: ["start:f/w"],
                after: FlowState(events: ["start:f/w", "t:\(seconds)"]), duration: duration, outcome: outcome, error: nil,
                worker: "w\(seconds)", leaseToken: Int64(seconds)
            )
        }
        var first = entry(.waiting, "f/wWaitFor", at: 0)
        #expect(first.pollSummary == nil)
        #expect(first.absorbsPoll(entry(.waiting, "f/wWaitFor", at: 5)))
        #expect(!first.absorbsPoll(entry(.waiting, "f/otherWaitFor", at: 5)))
        #expect(!first.absorbsPoll(entry(.advanced, "f/wWaitFor", at: 5)))
        #expect(!entry(.advanced, "f/wWaitFor", at: 0).absorbsPoll(entry(.waiting, "f/wWaitFor", at: 5)))
        #expect(entry(.waiting, nil, at: 0).absorbsPoll(entry(.waiting, nil, at: 5)))
        for poll in 1..<1440 { first.absorbPoll(entry(.waiting, "f/wWaitFor", at: Double(poll) * 5, duration: .milliseconds(1))) }
        #expect(first.polls == 1440)
        #expect(first.startedAt == start)
        #expect(first.lastPolledAt == start.addingTimeInterval(1439 * 5))
        #expect(first.duration == .milliseconds(2 + 1439))
        #expect(first.after.events.last == "t:7195.0")
        #expect(first.worker == "w7195.0")
        #expect(first.pollSummary == "polled 1,440 times, 12:00–13:59")
        var long = entry(.waiting, nil, at: 0)
        long.absorbPoll(entry(.waiting, nil, at: 2 * 86_400))
        #expect(long.pollSummary == "polled 2 times, 2026-01-01 12:00–2026-01-03 12:00")
    }
}

/// `FlowMigration`: checked against both flows at registration; bad input refused with what is allowed.
@Suite struct FlowMigrationTests {
    let systems = SimulatedSystems()

    @Test func theDeployMigrationMapsEveryStepOfV1() throws {
        let v1 = try DeployPipeline.flowV1(systems: systems)
        let v2 = try DeployPipeline.flow(systems: systems)
        #expect(DeployPipeline.migrationFromV1.unmappedSteps(from: v1, to: v2).isEmpty)
        let registry = try FlowRegistry([v1, v2], migrations: [DeployPipeline.migrationFromV1])
        #expect(registry.migration(from: "deploy.v1", to: "deploy.v2") != nil)
        #expect(registry.migrations.map(\.to) == ["deploy.v2"])
        #expect(v1.stepTargets == [
            "getPreActualState", "preActualStateWaitFor", "shouldDeployCase", "shouldDeployCase/steps/createDeployRequest",
            "shouldDeployCase/steps/acceptedDeployRequestWaitFor", "shouldDeployCase/steps/monitorDeploymentProgressWaitFor",
            "shouldDeployCase/steps/getPostActualState", "shouldDeployCase/steps/postActualStateWaitFor",
            "shouldDeployCase/steps/validatePostDeployActualState",
        ])
        #expect(!v1.isExtended)
    }

    @Test func aMigrationThatLeavesStatesUnmappedIsRefusedNamingThem() throws {
        var registry = try FlowRegistry([try DeployPipeline.flowV1(systems: systems), try DeployPipeline.flow(systems: systems)])
        let error = try #require(throws: StepFlowRuntimeError.self) {
            try registry.register(FlowMigration(from: "deploy.v1", to: "deploy.v2", steps: [
                "getPreActualState": "collectPreActualStateRetry/getPreActualState",
            ]))
        }
        #expect(error.code == .invalidMigration)
        #expect(error.message.contains(
            "shouldDeployCase/steps/createDeployRequest → shouldDeployCase/steps/createDeployRequest; "
                + "shouldDeployCase/steps/getPostActualState → shouldDeployCase/steps/getPostActualState."
        ))
        #expect(!error.message.contains("getPreActualState →"))
        #expect(error.message.contains("the steps of 'deploy.v2' are: collectPreActualStateRetry/getPreActualState, preActualStateWaitFor"))
        #expect(registry.migrations.isEmpty)
        // The closure maps what the pairs do not.
        try registry.register(FlowMigration(from: "deploy.v1", to: "deploy.v2", mapStep: { path in
            switch path {
            case "getPreActualState": "collectPreActualStateRetry/getPreActualState"
            case "shouldDeployCase/steps/createDeployRequest": "shouldDeployCase/steps/openPullRequestRetry/createDeployRequest"
            case "shouldDeployCase/steps/getPostActualState": "shouldDeployCase/steps/collectPostActualStateRetry/getPostActualState"
            default: nil
            }
        }))
        #expect(throws: StepFlowRuntimeError.self) { try registry.register(DeployPipeline.migrationFromV1) }  // twice
    }

    @Test func aMigrationBetweenUnknownFlowsOrToItselfIsRefused() throws {
        var registry = try FlowRegistry([try DeployPipeline.flow(systems: systems)])
        let unknown = try #require(throws: StepFlowRuntimeError.self) { try registry.register(DeployPipeline.migrationFromV1) }
        #expect(unknown.code == .unknownFlow)
        #expect(unknown.message.contains("names flow 'deploy.v1', which is not registered"))
        let itself = try #require(throws: StepFlowRuntimeError.self) {
            try registry.register(FlowMigration(from: "deploy.v2", to: "deploy.v2"))
        }
        #expect(itself.code == .invalidMigration)
    }

    @Test func migratingBetweenUnknownFlowsOrWithoutAMigrationStoresNothing() async throws {
        let store = MemoryProcessStore()
        let v1 = try DeployPipeline.flowV1(systems: systems)
        let client = StepFlowClient(store: store, registry: try FlowRegistry([v1, try DeployPipeline.flow(systems: systems)]))
        try await client.start(v1, id: "a", input: DeployPipeline.Input(app: "a", desiredVersion: "1"))
        let noFlow = try await #require(throws: StepFlowRuntimeError.self) { try await client.migrate(from: "deploy.v1", to: "deploy.v9") }
        #expect(noFlow.message.contains("deploy.v9 is not a registered flow (registered: deploy.v1, deploy.v2)"))
        let noMigration = try await #require(throws: StepFlowRuntimeError.self) { try await client.migrate(from: "deploy.v1", to: "deploy.v2") }
        #expect(noMigration.message == "no migration from 'deploy.v1' to 'deploy.v2' is registered (registered: none)")
        #expect(try await client.process("a").flowName == "deploy.v1")
        #expect(try await client.history(of: "a").isEmpty)
    }

    @Test func dataThatCannotBeConvertedIsReportedAndLeftUntouched() async throws {
        struct Broken: Error {}
        let store = MemoryProcessStore()
        let v1 = try DeployPipeline.flowV1(systems: systems)
        let migration = FlowMigration(
            from: "deploy.v1", to: "deploy.v2", steps: DeployPipeline.migrationFromV1.steps, convertData: { _ in throw Broken() }
        )
        let client = StepFlowClient(store: store, registry: try FlowRegistry([v1, try DeployPipeline.flow(systems: systems)], migrations: [migration]))
        try await client.start(v1, id: "a", input: DeployPipeline.Input(app: "a", desiredVersion: "1"))
        let before = try await client.process("a")
        let report = try await client.migrate(from: "deploy.v1", to: "deploy.v2")
        #expect(report.migrated == 0)
        #expect(report.leftUntouched.first?.reason.hasPrefix("process 'a' was not migrated from deploy.v1 to deploy.v2: its data cannot be converted") == true)
        #expect(try await client.process("a") == before)
    }

    @Test func rewindingAProcessOfAnUnregisteredFlowIsRefused() async throws {
        let store = MemoryProcessStore()
        _ = try await store.create(NewProcess(id: "a", flowName: "other.v1", input: Data("{}".utf8), data: Data("{}".utf8), now: Date()))
        let client = StepFlowClient(store: store, registry: try FlowRegistry([try DeployPipeline.flow(systems: systems)]))
        let error = try await #require(throws: StepFlowRuntimeError.self) { try await client.rewind("a", to: "x", reason: "r") }
        #expect(error.code == .unknownFlow)
        #expect(try await client.history(of: "a").isEmpty)
    }
}
