import Foundation
import StepFlow
import StepFlowRuntime

extension ProcessStore {
    /// Creates a process of flow `order.v1` due at `now`.
    @discardableResult
    func create(_ id: ProcessID, at now: Date, flow: String = "order.v1") async throws -> ProcessRecord {
        try await create(NewProcess(id: id, flowName: flow, input: Data(#"{"order":1}"#.utf8), data: Data("{}".utf8), now: now)).record
    }

    /// Claims due processes for `owner` with a 30-second lease.
    func claim(_ owner: String, at now: Date, limit: Int = 100, only: ProcessID? = nil) async throws -> [ClaimedProcess] {
        try await claim(ClaimRequest(owner: owner, now: now, leaseDuration: .seconds(30), limit: limit, only: only))
    }
}

/// An update that saves one more step of a claimed process.
func step(
    _ id: ProcessID, token: Int64, state: FlowState? = ["start:order.v1/charge"], status: ProcessStatus = .running,
    dueAt: Date?, stepCount: Int = 1, history: HistoryEntry? = nil, at now: Date
) -> ProcessUpdate {
    ProcessUpdate(
        id: id, flowName: "order.v1", leaseToken: token, state: state, data: nil, status: status, dueAt: dueAt, stepCount: stepCount,
        attempt: 0, lastError: status == .failed ? "failed" : nil, history: history, now: now
    )
}

/// A history entry written by `worker` with `token`.
func entry(_ sequence: Int, worker: String = "w1", token: Int64, at now: Date) -> HistoryEntry {
    HistoryEntry(
        sequence: sequence, startedAt: now, stepPath: "order.v1/charge", before: [], after: ["start:order.v1/charge"],
        duration: .milliseconds(5), outcome: .advanced, error: nil, worker: worker, leaseToken: token
    )
}
