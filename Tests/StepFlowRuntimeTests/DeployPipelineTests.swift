import DeployPipeline
import Foundation
import StepFlow
import StepFlowRuntime
import StepFlowTesting
import Testing

@Suite struct DeployPipelineTests {
    let clock = ManualClock()
    let store = MemoryProcessStore()

    func run(_ systems: SimulatedSystems, apps: Int) async throws -> [ProcessRecord] {
        let flow = try DeployPipeline.flow(systems: systems)
        let client = StepFlowClient(store: store, clock: clock)
        for index in 0..<apps {
            try await client.start(flow, id: ProcessID("app-\(index)"), input: .init(app: "app-\(index)", desiredVersion: SimulatedSystems.releasedVersion))
        }
        let worker = FlowWorker(store: store, registry: try FlowRegistry([flow]), configuration: .init(workerID: "w"), clock: clock, logger: testLogger)
        for _ in 0..<200 {
            try await worker.runUntilIdle()
            if try await client.list(ProcessQuery(statuses: [.running, .waiting])).isEmpty { break }
            clock.advance(by: .milliseconds(100))
        }
        return try await client.list()
    }

    @Test func deploysWhatIsOutOfDateAndSkipsTheRest() async throws {
        let systems = SimulatedSystems(configuration: .init(transientFailureRate: 0, upToDateRate: 0.3, rolloutFailureRate: 0))
        let records = try await run(systems, apps: 30)
        #expect(records.count == 30)
        #expect(records.allSatisfy { $0.status == .completed })
        var deployed = 0
        for record in records {
            let data = try record.decodeData(as: DeployPipeline.Data.self)
            let upToDate = systems.currentVersion(of: record.id.rawValue, desired: SimulatedSystems.releasedVersion) == SimulatedSystems.releasedVersion
            #expect(data.needsDeploy == !upToDate)
            if data.needsDeploy {
                deployed += 1
                #expect(data.deployedVersion == SimulatedSystems.releasedVersion)
                #expect(data.rolloutEvents.last == "healthy")
                let steps = await store.history(of: record.id).compactMap(\.stepPath)
                #expect(steps.contains("deploy.v2/shouldDeployCase/steps/validatePostDeployActualState"))
            } else {
                #expect(data.pullRequest == nil)
            }
        }
        #expect(deployed > 0 && deployed < 30)
    }

    @Test func transientFailuresAreRetriedAndAFailedRolloutClosesThePullRequest() async throws {
        let systems = SimulatedSystems(configuration: .init(transientFailureRate: 0.3, upToDateRate: 0, rolloutFailureRate: 1))
        let records = try await run(systems, apps: 20)
        // Every rollout fails: the compensation closes the pull request, then the process fails with the cause.
        #expect(records.allSatisfy { $0.status == .failed })
        var closed = 0
        for record in records {
            let data = try record.decodeData(as: DeployPipeline.Data.self)
            if data.pullRequest != nil {
                #expect(data.pullRequestClosed == true)
                #expect(record.lastError?.contains("crash-looping") == true)
                #expect(record.lastError?.hasSuffix("(compensated)") == true)
                #expect(record.state.events == ["failed:deploy.v2"])
                closed += 1
            }
        }
        #expect(closed > 0)
        var retried = 0
        for record in records {
            retried += await store.history(of: record.id).filter { $0.outcome == .retried }.count
        }
        #expect(retried > 0)
    }

    @Test func aProductionDeploymentWaitsForItsApprovalSignal() async throws {
        let systems = SimulatedSystems(configuration: .init(transientFailureRate: 0, upToDateRate: 0, rolloutFailureRate: 0))
        let flow = try DeployPipeline.flow(systems: systems)
        let client = StepFlowClient(store: store, registry: try FlowRegistry([flow]), clock: clock)
        try await client.start(flow, id: "prod", input: .init(app: "prod", desiredVersion: "1.0.0", production: true, approvalRequired: true))
        let worker = FlowWorker(store: store, registry: try FlowRegistry([flow]), configuration: .init(workerID: "w"), clock: clock, logger: testLogger)
        for _ in 0..<30 {
            try await worker.runUntilIdle()
            clock.advance(by: .milliseconds(100))
        }
        var record = try await client.process("prod")
        #expect(record.status == .waiting)
        #expect(flow.nextStepPath(in: record.state) == "deploy.v2/shouldDeployCase/steps/approvalRequiredCase/steps/approvalAwaitSignal")
        try await client.signal("prod", "approval", DeployPipeline.Approval(by: "alice"))
        for _ in 0..<100 where try await client.process("prod").status.isActive {
            try await worker.runUntilIdle()
            clock.advance(by: .milliseconds(100))
        }
        record = try await client.process("prod")
        #expect(record.status == .completed)
        #expect(try record.decodeData(as: DeployPipeline.Data.self).approvedBy == "alice")
    }
}
