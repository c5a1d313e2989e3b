import DeployPipeline
import Foundation
import StepFlow
import StepFlowRuntime
import StepFlowTesting
import Testing

/// The deployment pipeline under go-stepflow's name `deploy/v1`: a process go-stepflow stored continues here.
@Suite struct DeployPipelineNameTests {
    @Test func theDeployFlowNamedDeployV1ResumesFromGoStepflowsStoredState() async throws {
        let clock = ManualClock()
        let store = MemoryProcessStore()
        let systems = SimulatedSystems(configuration: .init(transientFailureRate: 0, upToDateRate: 0, rolloutFailureRate: 0))
        let flow = try DeployPipeline.flow(systems: systems, name: "deploy/v1")
        #expect(flow.name == "deploy/v1")
        let registry = try FlowRegistry([flow, try DeployPipeline.flow(systems: systems)])
        #expect(registry.names == ["deploy.v2", "deploy/v1"])

        // What a go-stepflow controller stored: the merge wait of an opened pull request.
        let stored = try JSONDecoder().decode(
            FlowState.self, from: Data(#"["start:deploy/v1/shouldDeployCase/steps/acceptedDeployRequestWaitFor"]"#.utf8)
        )
        var data = DeployPipeline.Data()
        data.needsDeploy = true
        data.actualVersion = "0.9.0"
        data.pullRequest = try await systems.openPullRequest(app: "app-1", version: "1.0.0", idempotencyKey: "k", at: clock.now)
        _ = try await store.create(NewProcess(
            id: "app-1", flowName: "deploy/v1",
            input: try JSONEncoder().encode(DeployPipeline.Input(app: "app-1", desiredVersion: "1.0.0")),
            data: try JSONEncoder().encode(data), state: stored, now: clock.now
        ))
        #expect(flow.nextStepPath(in: stored) == "deploy/v1/shouldDeployCase/steps/acceptedDeployRequestWaitFor")

        let client = StepFlowClient(store: store, registry: registry, clock: clock)
        let worker = FlowWorker(store: store, registry: registry, configuration: .init(workerID: "w"), clock: clock, logger: testLogger)
        for _ in 0..<300 where try await client.process("app-1").status.isActive {
            try await worker.runUntilIdle()
            clock.advance(by: .milliseconds(100))
        }
        let record = try await client.process("app-1")
        #expect(record.status == .completed)
        #expect(record.state.events == ["completed:deploy/v1"])
        let finished = try record.decodeData(as: DeployPipeline.Data.self)
        #expect(finished.deployedVersion == "1.0.0")
        #expect(finished.rolloutEvents.last == "healthy")
        let steps = try await client.history(of: "app-1").compactMap(\.stepPath)
        #expect(steps.first == "deploy/v1/shouldDeployCase/steps/acceptedDeployRequestWaitFor")
        #expect(!steps.contains { $0.contains("createDeployRequest") || $0.contains("preActualState") })
        #expect(steps.last == "deploy/v1/shouldDeployCase/steps/validatePostDeployActualState")
        #expect(try await client.list(ProcessQuery(flowName: "deploy/v1")).map(\.id) == ["app-1"])
        #expect(try await client.list(ProcessQuery(flowName: "deploy")).isEmpty)
    }

    @Test func theDeployFlowNamedDeployV1DrawsWithItsName() throws {
        let flow = try DeployPipeline.flow(systems: SimulatedSystems(), name: DeployPipeline.goStepflowName)
        let mermaid = flow.diagram(.mermaid)
        #expect(mermaid.contains(#"state "start:deploy/v1/shouldDeployCase/steps/acceptedDeployRequestWaitFor" as s"#))
        #expect(flow.diagram(.dot).hasPrefix(#"digraph "deploy/v1" {"#))
    }
}
