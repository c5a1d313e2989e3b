import Foundation

/// Moving processes: back to a step of their flow (rewind), or onto another version of it (migrate). Both write
/// ``ProcessCommand/move(_:)``, a fenced operator write: a step in flight has its save rejected and runs again later.
extension StepFlowClient {
    /// Moves a process to the state in which step `stepPath` is about to run, due now, to run it again from there.
    ///
    /// `stepPath` is written as `stepflow list`'s AT column writes it (`shouldDeployCase/steps/createDeployRequest`),
    /// with the flow's name, or as the step's last name when only one step has it. It works on a process that is
    /// running, waiting, failed, cancelled or completed (a paused process stays paused). The data is kept as it is;
    /// the compensation records of the steps before `stepPath` are kept, those of the steps after it are dropped.
    /// The history gets a `rewound` entry with `reason` and `caller`.
    ///
    /// - Throws: `StepFlowError` `.invalidTarget` listing the steps that can be targeted, for a step the flow does
    ///   not have or one inside a `Parallel` branch; ``StepFlowRuntimeError`` `.unknownFlow` when the process's flow
    ///   is not registered with this client; ``ProcessStoreError`` `.notFound`. Nothing is stored then.
    @discardableResult
    public func rewind(_ id: ProcessID, to stepPath: String, reason: String, by caller: String? = nil) async throws -> ProcessRecord {
        let record = try await process(id)
        let state = try registeredFlow(of: record).rewound(record.state, to: stepPath)
        return try await store.execute(
            .move(ProcessMove(state: state, outcome: .rewound, reason: reason)), on: id, now: clock.now, by: caller
        )
    }

    /// The steps the process's flow lets it be rewound to (for a person to choose from).
    public func rewindTargets(of id: ProcessID) async throws -> [String] {
        try registeredFlow(of: try await process(id)).stepTargets
    }

    /// Moves the processes of flow `from` that `query` selects onto flow `to`, by the ``FlowMigration`` registered
    /// between them, `batchSize` at a time (keyset pages, one short transaction per process; workers keep saving
    /// meanwhile). Each moved process gets a `migrated` history entry and is due now.
    ///
    /// `query`'s flow is replaced by `from`; without statuses it selects running, waiting, paused and failed
    /// processes (a failed process runs again in the new flow). A process whose state has no mapping, or whose data
    /// cannot be decoded as the new flow's, is reported and left untouched. A dry run moves nothing and reports what
    /// would be moved. `query.limit` is ignored.
    ///
    /// - Throws: ``StepFlowRuntimeError`` `.unknownFlow` when either flow or the migration is not registered, naming
    ///   what is; nothing is moved then.
    public func migrate(
        from: String, to: String, matching query: ProcessQuery = ProcessQuery(), dryRun: Bool = false, reason: String? = nil,
        by caller: String? = nil, batchSize: Int = 500
    ) async throws -> MigrationReport {
        guard let old = registry.flow(named: from), let new = registry.flow(named: to) else {
            throw StepFlowRuntimeError(
                .unknownFlow, "cannot migrate from '\(from)' to '\(to)': \(registry.flow(named: from) == nil ? from : to) is not a "
                    + "registered flow (registered: \(registry.names.joined(separator: ", ")))"
            )
        }
        guard let migration = registry.migration(from: from, to: to) else {
            let known = registry.migrations.map { "\($0.from) → \($0.to)" }
            throw StepFlowRuntimeError(
                .unknownFlow, "no migration from '\(from)' to '\(to)' is registered (registered: "
                    + (known.isEmpty ? "none" : known.joined(separator: ", ")) + ")"
            )
        }
        var paged = query
        paged.flowName = from
        paged.statuses = query.statuses ?? Set(ProcessStatus.allCases.filter { !$0.isFinished || $0 == .failed })
        paged.limit = max(1, batchSize)
        var report = MigrationReport(from: from, to: to, dryRun: dryRun)
        for try await page in store.pages(paged) {
            report.matched += page.count
            for record in page {
                do {
                    let move = try migration.move(record, from: old, to: new, reason: reason)
                    if !dryRun { _ = try await store.execute(.move(move), on: record.id, now: clock.now, by: caller) }
                    report.migrated += 1
                    if report.sample.count < 5 { report.sample.append(record.id) }
                } catch let error as StepFlowRuntimeError {
                    report.leftUntouched.append(.init(id: record.id, reason: error.message))
                } catch let error as ProcessStoreError where error.code == .notFound || error.code == .invalidCommand {
                    report.leftUntouched.append(.init(id: record.id, reason: "it changed meanwhile: \(error.message)"))
                }
            }
        }
        return report
    }

    /// The registered flow of `record`.
    private func registeredFlow(of record: ProcessRecord) throws -> any RegisteredFlow {
        guard let flow = registry.flow(named: record.flowName) else {
            throw StepFlowRuntimeError(
                .unknownFlow, "process '\(record.id)' runs flow '\(record.flowName)', which this client does not know; register it "
                    + "(registered: \(registry.names.joined(separator: ", ")))"
            )
        }
        return flow
    }
}
