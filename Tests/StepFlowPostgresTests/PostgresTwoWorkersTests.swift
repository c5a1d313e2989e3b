import Foundation
import Logging
import ServiceLifecycle
import StepFlow
import StepFlowPostgres
import StepFlowRuntime
import Synchronization
import Testing

/// Two `FlowWorker`s in one program on one `PostgresProcessStore`, run as services with the store's LISTEN.
///
/// The work is in static functions rather than closures of the test function: with two workers built and run in one
/// function body, Swift 6.3.1's region-based isolation checker (SendNonSendable) crashed the compiler.
@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipMessage))
struct PostgresTwoWorkersTests {
    struct Empty: Codable, Sendable {}

    static let processCount = 200
    static let stepCount = 5

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
        let intervals = Intervals()
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            let flow = try Self.flow(intervals)
            try await Self.create(store, flow: flow)
            try await Self.runWorkers(store, flow: flow)
            try await Self.check(store, intervals: intervals)
        }
    }

    /// Five steps, each marking its process as running for up to 1.5 ms.
    static func flow(_ intervals: Intervals) throws -> ProcessFlow<Empty, Empty> {
        try ProcessFlow<Empty, Empty>("shared.v1", initialData: { _ in Empty() }) {
            for index in 0..<stepCount {
                Do("step\(index)") { context in try await step(context.processID, intervals) }
            }
        }
    }

    static func step(_ id: ProcessID, _ intervals: Intervals) async throws {
        intervals.enter(id.rawValue)
        try await Task.sleep(for: .microseconds(Int.random(in: 100...1500)))
        intervals.leave(id.rawValue)
    }

    static func create(_ store: PostgresProcessStore, flow: ProcessFlow<Empty, Empty>) async throws {
        let empty = try JSONEncoder().encode(Empty())
        _ = try await store.create((0..<processCount).map {
            NewProcess(id: ProcessID(String(format: "p%03d", $0)), flowName: flow.name, input: empty, data: empty, now: Date())
        })
    }

    /// Runs the store and two workers in a service group until no process is active.
    static func runWorkers(_ store: PostgresProcessStore, flow: ProcessFlow<Empty, Empty>) async throws {
        var logger = Logger(label: "two-workers")
        logger.logLevel = .critical
        let registry = try FlowRegistry([flow])
        let workers = (1...2).map { index in
            FlowWorker(
                store: store, registry: registry,
                configuration: .init(workerID: "worker-\(index)", concurrency: 4, batchSize: 8, idleInterval: .milliseconds(50)),
                logger: logger
            )
        }
        let group = ServiceGroup(configuration: .init(services: [store] + workers.map { $0 as any Service }, logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            while try await store.nextDueDate() != nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static func check(_ store: PostgresProcessStore, intervals: Intervals) async throws {
        #expect(intervals.overlapping.isEmpty, "steps of one process ran at the same time: \(intervals.overlapping)")
        let records = try await store.processes(ProcessQuery(limit: 1000))
        #expect(records.count == processCount)
        #expect(records.allSatisfy { $0.status == .completed })
        var byWorker: [String: Int] = [:]
        for record in records {
            let history = try await store.history(of: record.id)
            // Each step saved once, in order, each under a claim of its own (a higher lease token).
            #expect(history.map(\.sequence) == Array(1...stepCount), "\(record.id)")
            #expect(zip(history, history.dropFirst()).allSatisfy { $0.leaseToken < $1.leaseToken }, "\(record.id)")
            for entry in history { byWorker[entry.worker, default: 0] += 1 }
        }
        // Both workers did part of the work.
        #expect(byWorker.keys.sorted() == ["worker-1", "worker-2"], "\(byWorker)")
    }
}
