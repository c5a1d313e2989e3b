import StepFlow
public import StepFlowRuntime
import Synchronization
public import Testing

/// Checks that workers sharing one store never run two steps of one process at the same time, and that each of
/// them did part of the work: the flow to run (its steps mark their process as running for a moment), and the
/// checks of what the store holds once every process has finished.
///
/// ```swift
/// let check = ConcurrentWorkersCheck()
/// let flow = try check.flow()
/// // … create processes of `flow`, run two workers on the store until none is due …
/// try await check.expectEveryStepRanOnceAlone(in: store, processCount: 200, workers: ["worker-1", "worker-2"])
/// ```
public final class ConcurrentWorkersCheck: Sendable {
    /// The flow's input and data.
    public struct Empty: Codable, Sendable, Hashable {
        /// The empty value.
        public init() {}
    }

    private struct State {
        var running: [ProcessID: Int] = [:]
        var overlapping: [ProcessID] = []
    }

    /// The number of steps of ``flow(named:)``.
    public let stepCount: Int
    private let state = Mutex(State())

    /// A check of a flow with `stepCount` steps.
    public init(stepCount: Int = 5) {
        self.stepCount = max(1, stepCount)
    }

    /// The flow: `stepCount` steps (`step0`, `step1`, …), each marking its process as running for 0.1–1.5 ms.
    public func flow(named name: String = "shared.v1") throws -> ProcessFlow<Empty, Empty> {
        try ProcessFlow<Empty, Empty>(name, initialData: { _ in Empty() }) {
            for index in 0..<stepCount {
                Do("step\(index)") { context in try await self.run(context.processID) }
            }
        }
    }

    /// The processes that had two steps running at once (empty when the workers kept them apart).
    public var overlapping: [ProcessID] { state.withLock { $0.overlapping } }

    /// Expects: no process ran two steps at once; `processCount` processes, all completed, each with one history
    /// entry per step, in order, each saved under a claim of its own (a higher lease token); every one of `workers`
    /// saved some of the steps.
    public func expectEveryStepRanOnceAlone(
        in store: any ProcessStore, processCount: Int, workers: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        #expect(overlapping.isEmpty, "steps of one process ran at the same time: \(overlapping)", sourceLocation: sourceLocation)
        var records: [ProcessRecord] = []
        for try await page in store.pages(ProcessQuery(limit: 500)) { records += page }
        #expect(records.count == processCount, sourceLocation: sourceLocation)
        #expect(records.allSatisfy { $0.status == .completed }, sourceLocation: sourceLocation)
        var byWorker: [String: Int] = [:]
        for record in records {
            let history = try await store.history(of: record.id)
            #expect(history.map(\.sequence) == Array(1...stepCount), "\(record.id)", sourceLocation: sourceLocation)
            #expect(
                zip(history, history.dropFirst()).allSatisfy { $0.leaseToken < $1.leaseToken }, "\(record.id)",
                sourceLocation: sourceLocation
            )
            for entry in history { byWorker[entry.worker, default: 0] += 1 }
        }
        #expect(byWorker.keys.sorted() == workers.sorted(), "\(byWorker)", sourceLocation: sourceLocation)
    }

    private func run(_ id: ProcessID) async throws {
        state.withLock { state in
            if state.running[id, default: 0] > 0 { state.overlapping.append(id) }
            state.running[id, default: 0] += 1
        }
        defer { state.withLock { $0.running[id, default: 0] -= 1 } }
        try await Task.sleep(for: .microseconds(Int.random(in: 100...1500)))
    }
}
