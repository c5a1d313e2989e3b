package import Foundation
package import StepFlow

/// The cells of one stored row of `processes`, `history` or `signals`, read by column index, and what the stores
/// make of them: records, history entries, claimed processes and signals.
///
/// A store conforms with its own row type, which reads the raw cells (the SQLite store from the values its cursor
/// read, the PostgreSQL store from PostgresNIO's cells); the decoding of what the cells hold is shared. Reading never
/// traps: a value of the wrong type, an unknown status or outcome, a state that is not a JSON array of strings, or a
/// lease half set becomes a ``ProcessStoreError`` `.corruptRecord` naming the process, the column and the problem.
package protocol StoredProcessFields {
    /// The process the row belongs to, as the error of a defect names it.
    var processID: ProcessID { get }
    /// The store, as the error of a defect names it ("the SQLite store at '<path>'"); only read for an error.
    var storeDescription: String { get }
    /// The text in column `index`; a NULL or a value of another type is a defect of `column`.
    func text(_ index: Int, _ column: String) throws -> String
    /// The text in column `index`, or `nil` for NULL; a value of another type is a defect of `column`.
    func optionalText(_ index: Int, _ column: String) throws -> String?
    /// The integer in column `index`; a NULL or a value of another type is a defect of `column`.
    func integer(_ index: Int, _ column: String) throws -> Int64
    /// The integer in column `index`, or `nil` for NULL; a value of another type is a defect of `column`.
    func optionalInteger(_ index: Int, _ column: String) throws -> Int64?
    /// The bytes (JSON) in column `index`; a NULL or a value the store cannot read as bytes is a defect of `column`.
    func bytes(_ index: Int, _ column: String) throws -> Data
}

extension StoredProcessFields {
    /// The error for a defect in `column`: it names the process, the column, the store and the problem.
    package func corrupt(_ column: String, _ problem: String) -> ProcessStoreError {
        ProcessStoreError(
            .corruptRecord, processID: processID,
            "process '\(processID)' has a corrupt '\(column)' column in \(storeDescription): \(problem). "
                + "The row was left as it is: repair the column or delete the process."
        )
    }

    /// The count in column `index`: an integer from 0 to `Int.max`.
    package func count(_ index: Int, _ column: String) throws -> Int {
        let value = try integer(index, column)
        guard let count = Int(exactly: value), count >= 0 else { throw corrupt(column, "\(value) is out of range") }
        return count
    }

    /// The date in column `index`, stored as integer milliseconds since 1970.
    package func date(_ index: Int, _ column: String) throws -> Date {
        StoredColumns.date(milliseconds: try integer(index, column))
    }

    /// The date in column `index`, stored as integer milliseconds since 1970, or `nil` for NULL.
    package func optionalDate(_ index: Int, _ column: String) throws -> Date? {
        try optionalInteger(index, column).map(StoredColumns.date(milliseconds:))
    }

    /// The state in column `index`, stored as its JSON text (a JSON array of strings).
    package func state(_ index: Int, _ column: String) throws -> FlowState {
        let json = try text(index, column)
        if let state = StoredColumns.state(json) { return state }
        do {
            return try JSONDecoder().decode(FlowState.self, from: Data(json.utf8))
        } catch {
            throw corrupt(column, "expected a JSON array of strings (a FlowState), found '\(json.prefix(80))\(json.count > 80 ? "…" : "")'")
        }
    }

    /// The status in column `index`, stored as its name.
    package func status(_ index: Int, _ column: String) throws -> ProcessStatus {
        let name = try text(index, column)
        guard let status = ProcessStatus(rawValue: name) else {
            let known = ProcessStatus.allCases.map(\.rawValue).joined(separator: ", ")
            throw corrupt(column, "unknown status '\(name)' (expected one of \(known))")
        }
        return status
    }

    /// The outcome in column `index`, stored as its name.
    package func outcome(_ index: Int, _ column: String) throws -> HistoryEntry.Outcome {
        let name = try text(index, column)
        guard let outcome = HistoryEntry.Outcome(rawValue: name) else {
            let known = HistoryEntry.Outcome.allCases.map(\.rawValue).joined(separator: ", ")
            throw corrupt(column, "unknown outcome '\(name)' (expected one of \(known))")
        }
        return outcome
    }

    /// The lease in ``ProcessColumn/leaseOwner`` and ``ProcessColumn/leaseExpiresAt``: both set or both NULL.
    package func lease() throws -> ProcessRecord.Lease? {
        let leaseOwner = try optionalText(.leaseOwner)
        let leaseExpiry = try optionalDate(.leaseExpiresAt)
        switch (leaseOwner, leaseExpiry) {
        case let (owner?, expiry?): return .init(owner: owner, expiresAt: expiry)
        case (nil, nil): return nil
        case (nil, _?): throw corrupt(ProcessColumn.leaseOwner.name, "NULL while \(ProcessColumn.leaseExpiresAt.name) is set")
        case (_?, nil): throw corrupt(ProcessColumn.leaseExpiresAt.name, "NULL while \(ProcessColumn.leaseOwner.name) is set")
        }
    }

    /// The record in the row's first ``ProcessColumn/count`` columns, each at its ``ProcessColumn/index``.
    package func record() throws -> ProcessRecord {
        let lease = try lease()
        return ProcessRecord(
            id: ProcessID(try text(.id)),
            flowName: try text(.flowName),
            state: try state(ProcessColumn.state.index, ProcessColumn.state.name),
            input: try bytes(ProcessColumn.input.index, ProcessColumn.input.name),
            data: try bytes(ProcessColumn.data.index, ProcessColumn.data.name),
            status: try status(ProcessColumn.status.index, ProcessColumn.status.name),
            dueAt: try optionalDate(.dueAt),
            stepCount: try count(ProcessColumn.stepCount.index, ProcessColumn.stepCount.name),
            attempt: try count(ProcessColumn.attempt.index, ProcessColumn.attempt.name),
            lastError: try optionalText(.lastError),
            createdAt: try date(ProcessColumn.createdAt.index, ProcessColumn.createdAt.name),
            updatedAt: try date(ProcessColumn.updatedAt.index, ProcessColumn.updatedAt.name),
            lease: lease,
            leaseToken: try integer(ProcessColumn.leaseToken.index, ProcessColumn.leaseToken.name),
            labels: try labels()
        )
    }

    /// The labels in ``ProcessColumn/labels``: a JSON object of strings (``ProcessLabels/json(_:)``).
    package func labels() throws -> [String: String] {
        let json = try text(.labels)
        guard let labels = ProcessLabels.labels(json: json) else {
            throw corrupt(ProcessColumn.labels.name, "expected a JSON object of strings, found '\(json.prefix(80))'")
        }
        return labels
    }

    private func text(_ column: ProcessColumn) throws -> String { try text(column.index, column.name) }
    private func optionalText(_ column: ProcessColumn) throws -> String? { try optionalText(column.index, column.name) }
    private func optionalDate(_ column: ProcessColumn) throws -> Date? { try optionalDate(column.index, column.name) }

    /// A claimed row (as for ``record()``): its record, or the defect that prevents reading it.
    package func claimed() -> ClaimedProcess {
        let leaseToken = (try? integer(ProcessColumn.leaseToken.index, ProcessColumn.leaseToken.name)) ?? 0
        let record: Result<ProcessRecord, ProcessStoreError>
        do {
            record = .success(try self.record())
        } catch let error as ProcessStoreError {
            record = .failure(error)
        } catch {
            record = .failure(corrupt("?", "\(error)"))
        }
        return ClaimedProcess(id: processID, leaseToken: leaseToken, record: record)
    }

    /// The history entry in columns 0 to 12: `sequence, started_at, step_path, state_before, state_after,
    /// duration_ns, outcome, error, worker, lease_token, reason, polls, last_polled_at` of `history`.
    package func historyEntry() throws -> HistoryEntry {
        HistoryEntry(
            sequence: try count(0, "history.sequence"),
            startedAt: try date(1, "history.started_at"),
            stepPath: try optionalText(2, "history.step_path"),
            before: try state(3, "history.state_before"),
            after: try state(4, "history.state_after"),
            duration: .nanoseconds(try integer(5, "history.duration_ns")),
            outcome: try outcome(6, "history.outcome"),
            error: try optionalText(7, "history.error"),
            worker: try text(8, "history.worker"),
            leaseToken: try integer(9, "history.lease_token"),
            reason: try optionalText(10, "history.reason"),
            polls: try max(1, count(11, "history.polls")),
            lastPolledAt: try optionalDate(12, "history.last_polled_at")
        )
    }

    /// The signal in columns 0 to 4: `process_id, sequence, name, payload, sent_at` of `signals`.
    package func signal() throws -> ProcessSignal {
        ProcessSignal(
            processID: ProcessID(try text(0, "signals.process_id")),
            sequence: try integer(1, "signals.sequence"),
            name: try text(2, "signals.name"),
            payload: try bytes(3, "signals.payload"),
            sentAt: try date(4, "signals.sent_at")
        )
    }
}
