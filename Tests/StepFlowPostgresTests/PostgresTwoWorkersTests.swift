import Foundation
import Logging
import StepFlow
import StepFlowPostgres
import StepFlowRuntime
import Synchronization
import Testing

/// Two workers, each with its own client and store on one database, as two machines would run.
@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipMessage))
struct PostgresTwoWorkersTests {
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
        let schema = TestDatabase.uniqueSchema()
        let intervals = Intervals()
        let flow = try ProcessFlow<Empty, Empty>("shared.v1", initialData: { _ in Empty() }) {
            for index in 0..<4 {
                Do("step\(index)") { context in
                    intervals.enter(context.processID.rawValue)
                    try await Task.sleep(for: .microseconds(Int.random(in: 100...1500)))
                    intervals.leave(context.processID.rawValue)
                }
            }
        }
        var logger = Logger(label: "two-workers")
        logger.logLevel = .critical
        try await TestDatabase.withClient { first in
            try await TestDatabase.withClient { second in
                let setup = try await first.makeStore(schema: schema)
                let input = try JSONEncoder().encode(Empty())
                _ = try await setup.create((0..<100).map {
                    NewProcess(id: ProcessID("p\($0)"), flowName: flow.name, input: input, data: input, now: Date())
                })
                let workers = try [first, second].enumerated().map { index, session in
                    FlowWorker(
                        store: PostgresProcessStore(
                            client: session.client, configuration: .init(schema: schema, server: session.url.description),
                            logger: logger
                        ),
                        registry: try FlowRegistry([flow]),
                        configuration: .init(workerID: "worker-\(index + 1)", concurrency: 4, batchSize: 8), logger: logger
                    )
                }
                let saved = try await withThrowingTaskGroup(of: Int.self) { group in
                    for worker in workers { group.addTask { try await worker.runUntilIdle() } }
                    return try await group.reduce(0, +)
                }
                #expect(saved == 100 * 4)
                #expect(intervals.overlapping.isEmpty, "steps of one process ran at the same time: \(intervals.overlapping)")
                let records = try await setup.processes(ProcessQuery(limit: 1000))
                #expect(records.count == 100)
                #expect(records.allSatisfy { $0.status == .completed })
                var byWorker: [String: Int] = [:]
                for record in records {
                    let history = try await setup.history(of: record.id)
                    // Each step saved once, in order, each with a token no lower than the one before.
                    #expect(history.map(\.sequence) == [1, 2, 3, 4])
                    #expect(zip(history, history.dropFirst()).allSatisfy { $0.leaseToken <= $1.leaseToken })
                    for entry in history { byWorker[entry.worker, default: 0] += 1 }
                }
                #expect(byWorker.keys.sorted() == ["worker-1", "worker-2"])
            }
        }
    }
}
