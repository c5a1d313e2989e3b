import Foundation
import Logging
import StepFlow
import StepFlowRuntime
import StepFlowSQLite
import Synchronization
import Testing

/// Two workers, each with its own store instance on one SQLite file, as two programs on one machine would run.
@Suite struct TwoWorkersTests {
    struct Empty: Codable, Sendable {}

    /// Counts, per process, the steps running now, and records any process that had two at once.
    final class Intervals: Sendable {
        private let running = Mutex<[String: Int]>([:])
        private let overlaps = Mutex<[String]>([])

        func enter(_ id: String) {
            running.withLock { running in
                if running[id, default: 0] > 0 { overlaps.withLock { $0.append(id) } }
                running[id, default: 0] += 1
            }
        }

        func leave(_ id: String) { running.withLock { $0[id, default: 0] -= 1 } }
        var overlapping: [String] { overlaps.withLock { $0 } }
    }

    @Test func neverRunTheSameProcessAtTheSameTime() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stepflow-two-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("shared.sqlite").path
        let intervals = Intervals()
        let flow = try ProcessFlow<Empty, Empty>("shared.v1", initialData: { _ in Empty() }) {
            for index in 0..<5 {
                Do("step\(index)") { context in
                    intervals.enter(context.processID.rawValue)
                    try await Task.sleep(for: .microseconds(Int.random(in: 100...1500)))
                    intervals.leave(context.processID.rawValue)
                }
            }
        }
        let setup = try SQLiteProcessStore(path: path)
        let input = try JSONEncoder().encode(Empty())
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
        #expect(saved == 200 * 5)
        #expect(intervals.overlapping.isEmpty, "steps of one process ran at the same time: \(intervals.overlapping)")
        let records = try await setup.processes(ProcessQuery(limit: 1000))
        #expect(records.allSatisfy { $0.status == .completed })
        var byWorker: [String: Int] = [:]
        for record in records {
            let history = try await setup.history(of: record.id)
            #expect(history.count == 5)
            for entry in history { byWorker[entry.worker, default: 0] += 1 }
        }
        // Both workers did part of the work.
        #expect(byWorker.keys.sorted() == ["worker-1", "worker-2"])
    }
}
