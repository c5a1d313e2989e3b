import Foundation
import Logging
import ServiceLifecycle
import StepFlow
import StepFlowPostgres
import StepFlowRuntime
import StepFlowTesting
import Testing

/// Two `FlowWorker`s in one program on one `PostgresProcessStore`, run as services with the store's LISTEN.
///
/// The work is in static functions rather than closures of the test function: with two workers built and run in one
/// function body, Swift 6.3.1's region-based isolation checker (SendNonSendable) crashed the compiler.
@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipMessage))
struct PostgresTwoWorkersTests {
    typealias Empty = ConcurrentWorkersCheck.Empty

    static let processCount = 200

    @Test func neverRunTheSameProcessAtTheSameTime() async throws {
        let check = ConcurrentWorkersCheck()
        try await TestDatabase.withClient { session in
            let store = try await session.makeStore()
            let flow = try check.flow()
            try await Self.create(store, flow: flow)
            try await Self.runWorkers(store, flow: flow)
            try await check.expectEveryStepRanOnceAlone(in: store, processCount: Self.processCount, workers: ["worker-1", "worker-2"])
        }
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
}
