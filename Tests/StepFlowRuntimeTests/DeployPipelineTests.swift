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
                #expect(steps.contains("deploy.v1/shouldDeployCase/steps/validatePostDeployActualState"))
            } else {
                #expect(data.pullRequest == nil)
            }
        }
        #expect(deployed > 0 && deployed < 30)
    }

    @Test func transientFailuresAreRetriedAndFailedRolloutsFailTheProcess() async throws {
        let systems = SimulatedSystems(configuration: .init(transientFailureRate: 0.3, upToDateRate: 0, rolloutFailureRate: 1))
        let records = try await run(systems, apps: 20)
        let reasons = records.compactMap(\.lastError)
        // Every rollout fails, so every process that got past its pull request fails with the rollout's reason;
        // others fail on a transient error that no Retry covers (only opening the pull request is retried).
        #expect(records.allSatisfy { $0.status == .failed })
        #expect(reasons.contains { $0.contains("the rollout of") && $0.contains("crash-looping") })
        let retried = try records.map { try $0.decodeData(as: DeployPipeline.Data.self).transientRetries }.reduce(0, +)
        #expect(retried > 0)
    }
}
