import Foundation
import StepFlowRuntime

/// A memory store whose queries of due processes fail, as a store whose server went away does: for readiness.
struct FailingStore: ProcessStore {
    struct Down: Error, CustomStringConvertible {
        var description: String { "connection refused" }
    }

    let base = MemoryProcessStore()

    func create(_ process: NewProcess) async throws -> (record: ProcessRecord, created: Bool) { try await base.create(process) }
    func create(_ processes: [NewProcess]) async throws -> [(record: ProcessRecord, created: Bool)] { try await base.create(processes) }
    func process(_ id: ProcessID) async throws -> ProcessRecord? { await base.process(id) }
    func processes(_ query: ProcessQuery) async throws -> [ProcessRecord] { await base.processes(query) }
    func history(of id: ProcessID) async throws -> [HistoryEntry] { await base.history(of: id) }
    func claim(_ request: ClaimRequest) async throws -> [ClaimedProcess] { throw Down() }
    func commit(_ updates: [ProcessUpdate]) async throws -> [CommitOutcome] { throw Down() }
    func renewLeases(_ processes: [ProcessLeaseToken], owner: String, until: Date) async throws -> [ProcessID] { throw Down() }
    func releaseLeases(_ processes: [ProcessLeaseToken], owner: String, now: Date) async throws { throw Down() }
    func execute(_ command: ProcessCommand, on id: ProcessID, now: Date, by caller: String?) async throws -> ProcessRecord { throw Down() }
    func statistics(flowName: String?) async throws -> ProcessStatistics { throw Down() }
    func purge(_ request: PurgeRequest) async throws -> [ProcessID] { throw Down() }
    func sendSignal(to id: ProcessID, name: String, payload: Data, now: Date) async throws -> ProcessSignal { throw Down() }
    func signals(of ids: [ProcessID]) async throws -> [ProcessID: [ProcessSignal]] { throw Down() }
    func nextDueDate() async throws -> Date? { throw Down() }
    func dueCount(now: Date) async throws -> Int { throw Down() }
    func wakeUps() -> AsyncStream<Void> { base.wakeUps() }
}
