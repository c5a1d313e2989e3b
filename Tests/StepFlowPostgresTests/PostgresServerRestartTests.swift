import Foundation
import StepFlowPostgres
import StepFlowRuntime
import Testing

/// The PostgreSQL server restarts (`scripts/postgres restart`, a fast shutdown) while three worker processes are
/// busy: they log the store errors, back off and go on; the store's LISTEN connection listens again.
@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipMessage))
struct PostgresServerRestartTests {
    static let processCount = 3000

    @Test func workersAndWakeUpsSurviveAServerRestart() async throws {
        let cluster = try await TestCluster.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stepflow-pg-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            try await Self.run(cluster, directory)
        } catch {
            Issue.record(error)
        }
        try? FileManager.default.removeItem(at: directory)
        await cluster.stop()
    }

    static func run(_ cluster: TestCluster, _ directory: URL) async throws {
        try await TestDatabase.withClient(url: cluster.url) { session in
            let store = try await session.makeStore()
            let schema = store.configuration.schema
            try await CompletionCheck.createProcesses(store, count: processCount)
            // A listener on a schema of its own, and a store that creates processes there: their NOTIFYs must
            // reach the listener after the restart.
            let listener = try await session.makeStore()
            let sender = try await session.makeStore(schema: listener.configuration.schema)
            let wakeUps = WakeUpCounter(listener.wakeUps())

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await listener.run() }
                defer { group.cancelAll() }
                #expect(await wakeUps.wait(forMoreThan: 0, within: .seconds(10)), "the listener never started")

                let workers = try (1...3).map {
                    try WorkerProcess.start(url: cluster.url, schema: schema, workerID: "r\($0)", leaseMilliseconds: 1000, in: directory)
                }
                let total = processCount * CompletionCheck.stepPaths.count
                let clock = ContinuousClock()
                let deadline = clock.now.advanced(by: .seconds(60))
                while try await CompletionCheck.savedSteps(session.client, schema: schema) < total / 5, clock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                let before = try await CompletionCheck.savedSteps(session.client, schema: schema)
                #expect(before < total, "the workers finished before the restart")
                try await cluster.restart()

                for worker in workers {
                    let status = await worker.wait(timeout: .seconds(90))
                    #expect(status == .exited(0), "\(worker.workerID) ended with \(status.map(\.description) ?? "a timeout"): \(worker.logLines.suffix(5))")
                }
                // The workers saw the restart, logged it and backed off.
                let errors = workers.map { $0.logLines.filter { $0.contains("store error; retrying") }.count }
                #expect(errors.contains { $0 > 0 }, "no worker logged a store error: \(workers.map { $0.logLines.suffix(3) })")

                let (problems, _) = try await CompletionCheck.problems(
                    session.client, schema: schema, processes: processCount, stepPaths: CompletionCheck.stepPaths
                )
                #expect(problems.isEmpty, "\(problems.prefix(20))")

                // Long after the restart: the listener listens again, and a process created by another store wakes it.
                let quiet = wakeUps.value
                try await Task.sleep(for: .milliseconds(300))
                #expect(wakeUps.value == quiet, "wake-ups without a NOTIFY")
                _ = try await sender.create(NewProcess(
                    id: "after-restart", flowName: "multi.v1", input: Foundation.Data("{}".utf8), data: Foundation.Data("{}".utf8), now: Date()
                ))
                #expect(await wakeUps.wait(forMoreThan: quiet, within: .seconds(5)), "no wake-up through NOTIFY after the restart")
                print("server restart test: \(before) of \(total) steps saved at the restart; store errors logged by worker: \(errors)")
            }
        }
    }
}
