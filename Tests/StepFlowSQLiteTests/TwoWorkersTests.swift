import Foundation
import Logging
import StepFlow
import StepFlowRuntime
import StepFlowSQLite
import StepFlowTesting
import Testing

/// Two workers, each with its own store instance on one SQLite file, as two programs on one machine would run.
@Suite struct TwoWorkersTests {
    @Test func neverRunTheSameProcessAtTheSameTime() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stepflow-two-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("shared.sqlite").path
        let check = ConcurrentWorkersCheck()
        let flow = try check.flow()
        let setup = try SQLiteProcessStore(path: path)
        let input = try JSONEncoder().encode(ConcurrentWorkersCheck.Empty())
        _ = try await setup.create((0..<200).map { NewProcess(id: ProcessID("p\($0)"), flowName: flow.name, input: input, data: input, now: Date()) })

        var logger = Logger(label: "two-workers")
        logger.logLevel = .critical
        let workers = try (1...2).map { index in
            FlowWorker(
                store: try SQLiteProcessStore(path: path), registry: try FlowRegistry([flow]),
                configuration: .init(workerID: "worker-\(index)", concurrency: 4, batchSize: 8), logger: logger
            )
        }
        let saved = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in workers { group.addTask { try await worker.runUntilIdle() } }
            return try await group.reduce(0, +)
        }
        #expect(saved == 200 * check.stepCount)
        try await check.expectEveryStepRanOnceAlone(in: setup, processCount: 200, workers: ["worker-1", "worker-2"])
    }
}
