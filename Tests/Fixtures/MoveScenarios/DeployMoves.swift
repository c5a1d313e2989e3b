import DeployPipeline
import Foundation
import Logging
import StepFlow
public import StepFlowRuntime
import Testing

/// Rewinds and migrations of the deployment pipeline, run by a real worker on any store, with time moved by the
/// test (nothing sleeps): the memory, SQLite and PostgreSQL tests run the same scenarios.
public struct DeployMoves: Sendable {
    let store: any ProcessStore
    let clock: any RuntimeClock
    let advance: @Sendable (Duration) async throws -> Void

    /// Scenarios on `store`; `advance` lets time pass for `clock` (and for the store's server, when it has one).
    public init(store: any ProcessStore, clock: any RuntimeClock, advance: @escaping @Sendable (Duration) async throws -> Void) {
        self.store = store
        self.clock = clock
        self.advance = advance
    }

    static let logger: Logger = {
        var logger = Logger(label: "MoveScenarios")
        logger.logLevel = .critical
        return logger
    }()

    /// Runs the worker, 100 ms of time at a time, until every process of `ids` has finished (at most `rounds` times).
    func runUntilFinished(_ ids: [ProcessID], worker: FlowWorker, client: StepFlowClient, rounds: Int = 2000) async throws {
        for _ in 0..<rounds {
            try await worker.runUntilIdle()
            var active = false
            for id in ids where try await client.process(id).status.isActive { active = true }
            if !active { return }
            try await advance(.milliseconds(100))
        }
        Issue.record("processes still active after \(rounds) rounds")
    }

    /// A deployment whose rollout failed (its compensation closed the pull request) is rewound to
    /// `createDeployRequest` once the cluster is repaired, opens a new pull request, and completes. A rewind to a
    /// step the flow does not have is refused with the steps it has, and stores nothing.
    public func rewindAFailedRolloutToCreateDeployRequest() async throws {
        let systems = RepairableCluster(broken: true)
        let flow = try DeployPipeline.flow(systems: systems)
        let registry = try FlowRegistry([flow])
        let client = StepFlowClient(store: store, registry: registry, clock: clock)
        let worker = FlowWorker(store: store, registry: registry, configuration: .init(workerID: "w"), clock: clock, logger: Self.logger)
        try await client.start(flow, id: "app-1", input: DeployPipeline.Input(app: "app-1", desiredVersion: "1.0.0"))
        try await runUntilFinished(["app-1"], worker: worker, client: client)
        let failed = try await client.process("app-1")
        #expect(failed.status == .failed)
        #expect(failed.lastError?.contains("rollout of app-1 failed") == true)
        let failedData = try failed.decodeData(as: DeployPipeline.Data.self)
        #expect(failedData.pullRequestClosed == true)
        let firstPullRequest = try #require(failedData.pullRequest)
        let historyBefore = try await client.history(of: "app-1")

        // Bad input: a step the flow does not have; nothing is stored.
        let error = try await #require(throws: StepFlowError.self) {
            try await client.rewind("app-1", to: "shouldDeployCase/steps/createDeployRequest", reason: "x", by: "alice")
        }
        #expect(error.code == .invalidTarget)
        #expect(error.message.contains("shouldDeployCase/steps/openPullRequestRetry/createDeployRequest"))
        #expect(try await client.process("app-1") == failed)
        #expect(try await client.history(of: "app-1") == historyBefore)

        systems.repair()
        let rewound = try await client.rewind("app-1", to: "createDeployRequest", reason: "cluster repaired", by: "alice")
        #expect(rewound.status == .running)
        #expect(rewound.lastError == nil)
        #expect(rewound.state.events == ["start:deploy.v2/shouldDeployCase/steps/openPullRequestRetry/createDeployRequest"])
        #expect(rewound.data == failed.data)  // kept as it is
        let entry = try #require(try await client.history(of: "app-1").last)
        #expect(entry.outcome == .rewound)
        #expect(entry.reason == "cluster repaired")
        #expect(entry.worker == "alice")
        #expect(try await client.rewindTargets(of: "app-1") == flow.stepTargets)

        try await runUntilFinished(["app-1"], worker: worker, client: client)
        let completed = try await client.process("app-1")
        #expect(completed.status == .completed)
        let data = try completed.decodeData(as: DeployPipeline.Data.self)
        #expect(data.deployedVersion == "1.0.0")
        #expect(data.rolloutEvents.last == "healthy")
        #expect(data.pullRequestClosed == nil)
        #expect(data.pullRequest != firstPullRequest)
        let steps = try await client.history(of: "app-1").dropFirst(historyBefore.count + 1).compactMap(\.stepPath)
        #expect(steps.first == "deploy.v2/shouldDeployCase/steps/openPullRequestRetry/createDeployRequest")
        #expect(!steps.contains { $0.contains("PreActualState") })
    }

    /// One `deploy.v1` process is stepped to its end; a copy of it is made at every state it passed through (every
    /// step of `deploy.v1`, as its position); all copies are migrated to `deploy.v2` and complete there. A copy whose
    /// data `deploy.v2` cannot decode is reported and left untouched; a dry run moves nothing.
    public func migrateV1ProcessesCaughtAtEveryStep() async throws {
        let systems = RepairableCluster(broken: false)
        let v1 = try DeployPipeline.flowV1(systems: systems)
        let v2 = try DeployPipeline.flow(systems: systems)
        let registry = try FlowRegistry([v1, v2], migrations: [DeployPipeline.migrationFromV1])
        let client = StepFlowClient(store: store, registry: registry, clock: clock)
        let input = DeployPipeline.Input(app: "app", desiredVersion: "1.0.0")
        try await client.start(v1, id: "original", input: input)
        var snapshots: [ProcessRecord] = []
        for _ in 0..<500 {
            let record = try await client.process("original")
            if record.status.isFinished { break }
            if !snapshots.contains(where: { $0.state == record.state && $0.data == record.data }) { snapshots.append(record) }
            _ = try await client.advance("original")
            try await advance(.milliseconds(100))
        }
        #expect(try await client.process("original").status == .completed)
        let positions = Set(try snapshots.compactMap { try v1.position(of: $0.state) })
        #expect(positions == Set(v1.stepTargets), "caught at \(positions.sorted())")

        var copies: [ProcessID] = []
        for (index, snapshot) in snapshots.enumerated() {
            let id = ProcessID("copy-\(index)")
            _ = try await store.create(NewProcess(
                id: id, flowName: v1.name, input: snapshot.input, data: snapshot.data, state: snapshot.state, now: clock.now
            ))
            copies.append(id)
        }
        _ = try await store.create(NewProcess(
            id: "undecodable", flowName: v1.name, input: snapshots[0].input, data: Data(#"{"rolloutEvents":5}"#.utf8),
            state: snapshots.last!.state, now: clock.now
        ))
        let untouched = try await client.process("undecodable")

        let dryRun = try await client.migrate(from: "deploy.v1", to: "deploy.v2", dryRun: true, by: "ops")
        #expect(dryRun.migrated == copies.count)
        #expect(try await client.list(ProcessQuery(flowName: "deploy.v2")).isEmpty)

        let report = try await client.migrate(from: "deploy.v1", to: "deploy.v2", reason: "v2 retries", by: "ops")
        #expect(report.matched == copies.count + 1)  // the completed original is not selected
        #expect(report.migrated == copies.count)
        #expect(report.leftUntouched.map(\.id) == ["undecodable"])
        #expect(report.leftUntouched.first?.reason.contains("cannot be decoded") == true)
        #expect(try await client.process("undecodable") == untouched)
        #expect(try await client.history(of: "undecodable").isEmpty)
        for id in copies {
            let record = try await client.process(id)
            #expect(record.flowName == "deploy.v2")
            let entry = try #require(try await client.history(of: id).last)
            #expect(entry.outcome == .migrated)
            #expect(entry.worker == "ops")
            #expect(entry.reason?.hasPrefix("v2 retries (from deploy.v1 at ") == true)
        }

        let worker = FlowWorker(store: store, registry: registry, configuration: .init(workerID: "w"), clock: clock, logger: Self.logger)
        try await runUntilFinished(copies, worker: worker, client: client)
        for id in copies {
            let record = try await client.process(id)
            #expect(record.status == .completed, "\(id): \(record.status) \(record.lastError ?? "")")
            #expect(try record.decodeData(as: DeployPipeline.Data.self).deployedVersion == "1.0.0")
        }
    }
}
