public import Foundation
import StepFlow

/// An operator's tools: pause, labels, statistics, bulk actions and retention.
extension StepFlowClient {
    /// Pauses a running or waiting process: no worker claims it until ``unpause(_:by:)``. A step in flight has its
    /// save rejected (it runs again after the unpause). Signals sent meanwhile are stored; its timers keep their
    /// wall-clock time. Pausing a paused process changes nothing.
    ///
    /// - Throws: ``ProcessStoreError`` `.notFound`, or `.invalidCommand` for a finished process.
    @discardableResult
    public func pause(_ id: ProcessID, reason: String, by caller: String? = nil) async throws -> ProcessRecord {
        try await execute(.pause(reason: reason), "pause", on: id, by: caller)
    }

    /// Lets a paused process run again, at its kept due time (at once when that time has passed while it was paused).
    ///
    /// - Throws: ``ProcessStoreError`` `.notFound`, or `.invalidCommand` for a process that is not paused.
    @discardableResult
    public func unpause(_ id: ProcessID, by caller: String? = nil) async throws -> ProcessRecord {
        try await execute(.unpause, "unpause", on: id, by: caller)
    }

    /// Replaces the labels of a process.
    ///
    /// - Throws: ``ProcessStoreError`` `.invalidInput` when a label breaks a rule of ``ProcessLabels`` (nothing is
    ///   stored), `.notFound` for an unknown process.
    @discardableResult
    public func setLabels(_ id: ProcessID, _ labels: [String: String], by caller: String? = nil) async throws -> ProcessRecord {
        // The labels are checked where every store applies the command (ProcessRecord.apply).
        try await execute(.setLabels(labels), "set_labels", on: id, by: caller)
    }

    /// The number of processes (of `flow`, or all) by flow, status and current step.
    public func statistics(flow: String? = nil) async throws -> ProcessStatistics {
        try await store.statistics(flowName: flow)
    }

    /// Applies `action` to every process `query` selects, `batchSize` at a time: it reads one page (by keyset on the
    /// id, so it never loads every process), acts on the page's processes, and moves on.
    ///
    /// A pause, unpause, wake or resume acts on a whole page with one store call
    /// (``ProcessStore/execute(_:onEach:now:by:)``): one transaction per batch, with the fencing and history of the
    /// command on one process. So does a cancel, for the processes whose flow has no compensable step (or is not
    /// registered with this client). Workers keep saving steps between batches; a batch holds the store's writes
    /// (SQLite) or the rows it changes (PostgreSQL) only while it runs. A cancel of a process whose flow has
    /// compensable steps, and a rewind (whose state the process's flow computes), act on one process at a time, each
    /// as ``cancel(_:reason:by:)`` and ``rewind(_:to:reason:by:)`` do.
    ///
    /// A process the action does not apply to (``BulkAction/skipReason(for:)``), or that changed between the read
    /// and the action, is skipped and counted by reason. `query.limit` is ignored: every matching process is visited.
    /// A rewind skips the processes whose flow has no such step (or is not registered with this client); with a
    /// query naming a registered flow, a step that flow does not have is refused before anything moves
    /// (`StepFlowError` `.invalidTarget`, listing its steps).
    public func bulk(
        _ action: BulkAction, matching query: ProcessQuery, by caller: String? = nil, batchSize: Int = 500
    ) async throws -> BulkResult {
        guard batchSize > 0 else {
            throw ProcessStoreError(.invalidInput, "the batch size is \(batchSize); it must be at least 1")
        }
        if case let .rewind(step, _) = action, let name = query.flowName, let flow = registry.flow(named: name) {
            _ = try flow.rewound(FlowState(), to: step)  // a step the flow does not have: refused before anything moves
        }
        var result = BulkResult()
        var paged = query
        paged.limit = batchSize
        var batchesCancel: [String: Bool] = [:]  // by flow name: whether a cancel is a plain store command
        for try await page in store.pages(paged) {
            result.matched += page.count
            var batch: [ProcessRecord] = []
            for record in page {
                if let reason = action.skipReason(for: record) {
                    result.skipped[reason, default: 0] += 1
                    continue
                }
                let batched: Bool
                switch action {
                case .cancel:
                    if batchesCancel[record.flowName] == nil {
                        batchesCancel[record.flowName] = cancelIsPlainCommand(flowName: record.flowName)
                    }
                    batched = batchesCancel[record.flowName] == true
                case .rewind: batched = false
                case .pause, .unpause, .wake, .resume: batched = true
                }
                if batched {
                    batch.append(record)
                    continue
                }
                do {
                    switch action {
                    case let .cancel(reason): _ = try await cancel(record.id, reason: reason, by: caller)
                    case let .rewind(step, reason): _ = try await rewind(record.id, to: step, reason: reason, by: caller)
                    default: preconditionFailure("\(action.name) acts on a batch")
                    }
                    result.acted += 1
                } catch let error as ProcessStoreError where error.concernsOneProcess {
                    result.skipped[Self.skipReason(for: error), default: 0] += 1
                } catch let error as StepFlowError where error.code == .invalidTarget {
                    result.skipped["its flow has no such step", default: 0] += 1
                } catch let error as StepFlowRuntimeError where error.code == .unknownFlow {
                    result.skipped["its flow is not registered", default: 0] += 1
                }
            }
            if let command = action.command, !batch.isEmpty {
                let ids = batch.map(\.id)
                let outcomes = try await ProcessTrace.bulk(action.name, on: batch) {
                    try await store.execute(command, onEach: ids, now: clock.now, by: caller)
                }
                for outcome in outcomes {
                    switch outcome {
                    case .success: result.acted += 1
                    case let .failure(error): result.skipped[Self.skipReason(for: error), default: 0] += 1
                    }
                }
            }
        }
        return result
    }

    /// Whether cancelling a process of flow `flowName` is the store's plain cancel command, which a bulk cancel
    /// applies to a batch at once: the flow is not registered with this client (``cancel(_:reason:by:)`` cancels such a
    /// process outright too), or it has no compensable step, so none of its processes has compensations to run or
    /// is running them. A flow with compensable steps is cancelled one process at a time, each decided on its record
    /// as it is then (a process may have completed a compensable step since the page was read).
    private func cancelIsPlainCommand(flowName: String) -> Bool {
        guard let flow = registry.flow(named: flowName) else { return true }
        return FlowMigration.compensableSteps(of: flow).isEmpty
    }

    /// The skip reason of a process that changed between a bulk action's read and its command: deleted, or no longer
    /// in a status the command applies to.
    private static func skipReason(for error: ProcessStoreError) -> String {
        error.code == .notFound ? "deleted meanwhile" : "changed meanwhile"
    }

    /// Deletes the processes that finished before `finishedBefore` (of `flow`, with one of `statuses`; every finished
    /// status by default), with their history and signals, in batches of `batchSize` (one transaction each). A
    /// running, waiting or paused process is never deleted. A dry run deletes nothing and counts what would be.
    ///
    /// - Throws: ``ProcessStoreError`` `.invalidInput` when `statuses` names a status that is not finished.
    public func purge(
        finishedBefore: Date, flow: String? = nil, statuses: Set<ProcessStatus>? = nil, dryRun: Bool = false,
        batchSize: Int = 500
    ) async throws -> PurgeResult {
        if let statuses, let unfinished = statuses.first(where: { !$0.isFinished }) {
            throw ProcessStoreError(
                .invalidInput,
                "cannot purge \(unfinished) processes; only finished ones can be purged: completed, failed, cancelled"
            )
        }
        guard batchSize > 0 else {
            throw ProcessStoreError(.invalidInput, "the batch size is \(batchSize); it must be at least 1")
        }
        let request = PurgeRequest(finishedBefore: finishedBefore, flowName: flow, statuses: statuses, limit: batchSize)
        if dryRun {
            let query = ProcessQuery(
                flowName: flow, statuses: Set(request.finishedStatuses), limit: batchSize, updatedBefore: finishedBefore
            )
            var result = PurgeResult(deleted: 0, dryRun: true)
            for try await page in store.pages(query) {
                result.deleted += page.count
                if result.sample.count < 5 { result.sample += page.prefix(5 - result.sample.count).map(\.id) }
            }
            return result
        }
        var result = PurgeResult(deleted: 0, dryRun: false)
        while true {
            let deleted = try await store.purge(request)
            result.deleted += deleted.count
            if result.sample.count < 5 { result.sample += deleted.prefix(5 - result.sample.count) }
            if deleted.count < batchSize { return result }
        }
    }
}
