import Foundation
import StepFlowRuntime
import StepFlowTesting
import Testing

/// The store conformance suite, run against ``MemoryProcessStore``: one test case per check.
@Suite struct MemoryStoreConformanceTests {
    @Test(arguments: ProcessStoreConformance.Check.allCases)
    func conformance(_ check: ProcessStoreConformance.Check) async throws {
        try await ProcessStoreConformance { MemoryProcessStore() }.run(check)
    }
}

/// The suite again, on a store that has no `commit(_:thenClaim:)` nor batched `execute(_:onEach:now:by:)` of its own:
/// the protocol's defaults (a commit, then a claim; one execute per process) pass it too.
@Suite struct DefaultCommitThenClaimConformanceTests {
    @Test(arguments: ProcessStoreConformance.Check.allCases)
    func conformance(_ check: ProcessStoreConformance.Check) async throws {
        try await ProcessStoreConformance { ForwardingStore(base: MemoryProcessStore()) }.run(check)
    }
}

/// Forwards every requirement to a memory store but `commit(_:thenClaim:)` and `execute(_:onEach:now:by:)`, which
/// are the protocol's defaults (a commit, then a claim; one execute per process); calls `beforeCommit` first in each commit, so a test can act while a worker saves.
struct ForwardingStore: ProcessStore {
    let base: MemoryProcessStore
    var beforeCommit: (@Sendable () async -> Void)? = nil

    func create(_ process: NewProcess) async throws -> (record: ProcessRecord, created: Bool) {
        try await base.create(process)
    }
    func create(_ processes: [NewProcess]) async throws -> [(record: ProcessRecord, created: Bool)] {
        try await base.create(processes)
    }
    func process(_ id: ProcessID) async throws -> ProcessRecord? { await base.process(id) }
    func processes(_ query: ProcessQuery) async throws -> [ProcessRecord] { await base.processes(query) }
    func history(of id: ProcessID) async throws -> [HistoryEntry] { await base.history(of: id) }
    func claim(_ request: ClaimRequest) async throws -> [ClaimedProcess] { await base.claim(request) }
    func commit(_ updates: [ProcessUpdate]) async throws -> [CommitOutcome] {
        await beforeCommit?()
        return await base.commit(updates)
    }
    func renewLeases(_ processes: [ProcessLeaseToken], owner: String, until: Date) async throws -> [ProcessID] {
        await base.renewLeases(processes, owner: owner, until: until)
    }
    func releaseLeases(_ processes: [ProcessLeaseToken], owner: String, now: Date) async throws {
        await base.releaseLeases(processes, owner: owner, now: now)
    }
    func execute(_ command: ProcessCommand, on id: ProcessID, now: Date, by caller: String?) async throws -> ProcessRecord {
        try await base.execute(command, on: id, now: now, by: caller)
    }
    func statistics(flowName: String?) async throws -> ProcessStatistics {
        await base.statistics(flowName: flowName)
    }
    func purge(_ request: PurgeRequest) async throws -> [ProcessID] {
        await base.purge(request)
    }
    func sendSignal(to id: ProcessID, name: String, payload: Data, now: Date) async throws -> ProcessSignal {
        try await base.sendSignal(to: id, name: name, payload: payload, now: now)
    }
    func signals(of ids: [ProcessID]) async throws -> [ProcessID: [ProcessSignal]] { await base.signals(of: ids) }
    func nextDueDate() async throws -> Date? { await base.nextDueDate() }
    func dueCount(now: Date) async throws -> Int { await base.dueCount(now: now) }
    func wakeUps() -> AsyncStream<Void> { base.wakeUps() }
}
