import Foundation
import GRDB
import StepFlow
import StepFlowRuntime

/// The body of each store operation, run inside the transaction the store opens. They capture nothing,
/// so that no database queue ever holds the store.
enum Transactions {
    typealias SQL = SQLiteProcessStore.SQL

    static func create(_ db: Database, _ process: NewProcess, path: String) throws -> (record: ProcessRecord, created: Bool) {
        try ProcessLabels.validate(process.labels)
        let now = Columns.milliseconds(process.now)
        try db.cachedStatement(sql: SQL.insertProcess).execute(arguments: [
            process.id.rawValue, process.flowName, Columns.json(process.state), process.input, process.data,
            now, now, now, ProcessLabels.json(process.labels), process.traceContext,
            ProcessPosition.step(of: process.state, flowName: process.flowName),
        ])
        let created = db.changesCount == 1
        if created { try insertLabels(db, process.labels, of: process.id) }
        guard let row = try db.cachedStatement(sql: SQL.selectProcess).fetchOneValues(arguments: [process.id.rawValue])
        else { throw ProcessStoreError(.unavailable, processID: process.id, "process '\(process.id)' vanished while it was created in '\(path)'") }
        if !created {
            let flowName = try RowReader(row: row, processID: process.id, path: path)
                .text(ProcessColumn.flowName.index, ProcessColumn.flowName.name)
            guard flowName == process.flowName else {
                throw ProcessStoreError.flowConflict(process.id, existing: flowName, requested: process.flowName)
            }
        }
        return (try RowReader.record(row, path: path), created)
    }

    static func processes(_ db: Database, _ query: ProcessQuery, path: String) throws -> [ProcessRecord] {
        guard let (sql, arguments) = listStatement(query) else { return [] }
        return try db.cachedStatement(sql: sql).fetchValues(arguments: arguments).map { try RowReader.record($0, path: path) }
    }

    /// The plan SQLite chooses for `query` (`EXPLAIN QUERY PLAN`), one line per step: for tests that check an
    /// index is used.
    static func queryPlan(_ db: Database, _ query: ProcessQuery) throws -> [String] {
        guard let (sql, arguments) = listStatement(query) else { return [] }
        return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String? ?? "" }
    }

    /// The statement that lists `query`'s processes, with its arguments; `nil` when it can match nothing.
    private static func listStatement(_ query: ProcessQuery) -> (String, StatementArguments)? {
        guard let (sql, values) = query.sqlSelect(changingColumns: SQL.changingColumnSearch, placeholder: { _ in "?" }) else {
            return nil
        }
        return (sql, StatementArguments(values.map { value -> DatabaseValue in
            switch value {
            case let .text(text): text.databaseValue
            case let .integer(integer): integer.databaseValue
            }
        }))
    }

    static func claim(_ db: Database, _ request: ClaimRequest, path: String) throws -> [ClaimedProcess] {
        let now = Columns.milliseconds(request.now)
        let expiry = Columns.milliseconds(request.leaseExpiry)
        if let only = request.only {
            let rows = try db.cachedStatement(sql: SQL.leaseOne).fetchValues(
                arguments: [request.owner, expiry, expiry, only.rawValue, now, request.force, now]
            )
            return rows.map { RowReader.claimed($0, path: path) }
        }
        let rowids = try Int64.fetchAll(db.cachedStatement(sql: SQL.selectDue), arguments: [now, request.limit])
        guard !rowids.isEmpty else { return [] }
        var rows: [RowValues] = []
        rows.reserveCapacity(rowids.count)
        for start in stride(from: 0, to: rowids.count, by: leaseChunk) {
            let chunk = rowids[start..<min(start + leaseChunk, rowids.count)]
            // Padded to a power of two with the last rowid (an IN list ignores repeats), so that a few cached
            // statements serve every claim size.
            let width = chunk.count <= 1 ? 1 : 1 << (Int.bitWidth - (chunk.count - 1).leadingZeroBitCount)
            let padded = Array(chunk) + Array(repeating: chunk[chunk.endIndex - 1], count: width - chunk.count)
            let lease = try db.cachedStatement(sql: SQL.leaseProcesses(count: width))
            try lease.reset(binding: [.of(request.owner), .of(expiry), .of(expiry)] + padded.map { .of($0) })
            try lease.execute()
            let select = try db.cachedStatement(sql: SQL.selectLeased(count: width))
            try select.reset(binding: padded.map { .of($0) })
            rows += try select.fetchBoundValues()
        }
        // The rows come in rowid order: put the processes back in due order, by the rowid after the record's columns.
        let rowidColumn = SQL.recordColumnCount
        var byRowid: [Int64: RowValues] = [:]
        byRowid.reserveCapacity(rows.count)
        for row in rows {
            if case let .int64(rowid) = row[rowidColumn].storage { byRowid[rowid] = row }
        }
        return rowids.compactMap { byRowid[$0].map { RowReader.claimed($0, path: path) } }
    }

    /// The most processes leased by one statement (well below SQLite's limit of bound parameters).
    private static let leaseChunk = 512

    static func commit(_ db: Database, _ updates: [ProcessUpdate]) throws -> [CommitOutcome] {
        let save = try db.cachedStatement(sql: SQL.commitUpdate)
        let finish = try db.cachedStatement(sql: SQL.commitFinish)
        let append = try db.cachedStatement(sql: SQL.insertHistory)
        // Each statement's bindings are fully reset on its first execution of the transaction, then only replaced.
        var (saved, finishing, appended, merged) = (false, false, false, false)
        func bind(_ statement: Statement, _ values: [DatabaseValue], boundBefore: inout Bool) throws {
            if boundBefore { try statement.rebind(values) } else { try statement.reset(binding: values) }
            boundBefore = true
        }
        // The processes this commit finishes, counted by flow, status and step, added to `finished_counts` once each.
        var finished: [FinishedGroup: Int64] = [:]
        let outcomes = try updates.map { update -> CommitOutcome in
            let stateJSON = update.state.map(Columns.json)
            let step = update.state.flatMap { ProcessPosition.step(of: $0, flowName: update.flowName) }
            let saveValues: [DatabaseValue] = [
                .of(stateJSON), .of(update.state == nil ? 0 : 1), .of(step), .of(update.data), .of(update.status.rawValue),
                .of(update.dueAt.map(Columns.milliseconds)), .of(update.stepCount), .of(update.attempt),
                .of(update.lastError), .of(Columns.milliseconds(update.now)), .of(update.id.rawValue),
                .of(update.leaseToken),
            ]
            if update.status.isActive {
                try bind(save, saveValues, boundBefore: &saved)
                try save.execute()
            } else {
                try bind(finish, saveValues, boundBefore: &finishing)
                try finish.execute()
            }
            guard db.changesCount == 1 else { return .rejected }
            if update.status.isFinished {
                // A save that keeps the stored state keeps its step, which only the row knows.
                if update.state == nil {
                    try countFinished(db, update.id, 1)
                } else {
                    finished[FinishedGroup(flowName: update.flowName, status: update.status, step: step ?? ""), default: 0] += 1
                }
            }
            if let entry = update.history {
                let afterJSON = update.state == entry.after ? stateJSON : Columns.json(entry.after)
                if entry.outcome == .waiting {
                    // One more poll of the wait in the process's last row, if it is one (`HistoryEntry.absorbsPoll`).
                    let merge = try db.cachedStatement(sql: SQL.mergePoll)
                    let mergeValues: [DatabaseValue] = [
                        .of(Columns.milliseconds(entry.startedAt)), .of(afterJSON), .of(Columns.nanoseconds(entry.duration)),
                        .of(entry.error), .of(entry.worker), .of(entry.leaseToken), .of(update.id.rawValue), .of(entry.stepPath),
                    ]
                    try bind(merge, mergeValues, boundBefore: &merged)
                    try merge.execute()
                    if db.changesCount == 1 { return .saved }
                }
                let appendValues: [DatabaseValue] = [
                    .of(update.id.rawValue), .of(entry.sequence), .of(Columns.milliseconds(entry.startedAt)),
                    .of(entry.stepPath), .of(Columns.json(entry.before)),
                    .of(afterJSON),
                    .of(Columns.nanoseconds(entry.duration)), .of(entry.outcome.rawValue), .of(entry.error),
                    .of(entry.worker), .of(entry.leaseToken), .of(entry.reason),
                ]
                try bind(append, appendValues, boundBefore: &appended)
                try append.execute()
            }
            return .saved
        }
        if !finished.isEmpty {
            let count = try db.cachedStatement(sql: SQL.addFinished)
            for (group, processes) in finished {
                // Bound directly, as the save's values are: GRDB's binding would cut a text at a NUL character.
                try count.reset(binding: [.of(group.flowName), .of(group.status.rawValue), .of(group.step), .of(processes)])
                try count.execute()
            }
        }
        return outcomes
    }

    /// A flow, finished status and step (`""` for none): a row of `finished_counts`.
    private struct FinishedGroup: Hashable {
        var flowName: String
        var status: ProcessStatus
        var step: String
    }

    static func renewLeases(_ db: Database, _ processes: [ProcessLeaseToken], owner: String, until: Date) throws -> [ProcessID] {
        let renew = try db.cachedStatement(sql: SQL.renewLease)
        let expiry = Columns.milliseconds(until)
        return try processes.filter { held in
            try renew.execute(arguments: [expiry, expiry, held.id.rawValue, held.token, owner])
            return db.changesCount == 1
        }.map(\.id)
    }

    static func releaseLeases(_ db: Database, _ processes: [ProcessLeaseToken], owner: String, now: Date) throws {
        let release = try db.cachedStatement(sql: SQL.releaseLease)
        let due = Columns.milliseconds(now)
        for held in processes {
            try release.execute(arguments: [due, held.id.rawValue, held.token, owner])
        }
    }

    /// Applies a command with the rules every store shares (``ProcessRecord/apply(_:now:)``) and saves the result.
    static func execute(
        _ db: Database, _ command: ProcessCommand, on id: ProcessID, now: Date, by caller: String?, path: String
    ) throws -> ProcessRecord {
        guard let row = try db.cachedStatement(sql: SQL.selectProcess).fetchOneValues(arguments: [id.rawValue]) else {
            throw ProcessStoreError.notFound(id)
        }
        return try execute(db, command, on: try RowReader.record(row, path: path), by: caller, path: path, now: now)
    }

    /// Applies a command to `stored`, the record just read in this transaction, saves the result and, when
    /// `writesHistory`, appends the command's history entry.
    private static func execute(
        _ db: Database, _ command: ProcessCommand, on stored: ProcessRecord, by caller: String?, path: String, now: Date,
        writesHistory: Bool = true
    ) throws -> ProcessRecord {
        let id = stored.id
        var record = stored
        let entry = try record.apply(command, now: now, by: caller)
        guard record != stored else { return stored }
        if stored.status.isFinished { try countFinished(db, id, -1) }
        // Bound directly: the reason of a cancel is free text, which GRDB's binding would cut at a NUL character.
        let statement = try db.cachedStatement(sql: SQL.applyCommand)
        let step = ProcessPosition.step(of: record.state, flowName: record.flowName)
        let resting = !record.status.isActive
        try statement.reset(binding: [
            .of(record.status.rawValue), .of(record.dueAt.map(Columns.milliseconds)), .of(record.attempt),
            .of(record.lastError), .of(Columns.milliseconds(record.updatedAt)), .of(record.lease?.owner),
            .of(record.lease.map { Columns.milliseconds($0.expiresAt) }), .of(record.leaseToken),
            .of(Columns.json(record.state)), .of(record.flowName), .of(record.data), .of(ProcessLabels.json(record.labels)),
            .of(step), .of(resting ? record.status.rawValue : nil), .of(resting ? step : nil),
            .of(resting ? Columns.milliseconds(record.updatedAt) : nil), .of(id.rawValue),
        ])
        guard let saved = try statement.fetchBoundValues().first else { throw ProcessStoreError.notFound(id) }
        if record.status.isFinished { try countFinished(db, id, 1) }
        if record.labels != stored.labels {
            try db.cachedStatement(sql: SQL.deleteLabels).execute(arguments: [id.rawValue])
            try insertLabels(db, record.labels, of: id)
        }
        if writesHistory, let entry {
            let append = try db.cachedStatement(sql: SQL.insertHistory)
            try append.reset(binding: [
                .of(id.rawValue), .of(entry.sequence), .of(Columns.milliseconds(entry.startedAt)), .of(entry.stepPath),
                .of(Columns.json(entry.before)), .of(Columns.json(entry.after)), .of(Columns.nanoseconds(entry.duration)),
                .of(entry.outcome.rawValue), .of(entry.error), .of(entry.worker), .of(entry.leaseToken), .of(entry.reason),
            ])
            try append.execute()
        }
        return try RowReader.record(saved, path: path)
    }

    /// Adds `delta` to the finished count of process `id`'s flow, status and step, if it is finished
    /// (``SQLiteProcessStore/SQL/countFinished``).
    private static func countFinished(_ db: Database, _ id: ProcessID, _ delta: Int64) throws {
        try db.cachedStatement(sql: SQL.countFinished).execute(arguments: [id.rawValue, delta])
    }

    /// Writes the rows of `labels` to process_labels.
    private static func insertLabels(_ db: Database, _ labels: [String: String], of id: ProcessID) throws {
        guard !labels.isEmpty else { return }
        let insert = try db.cachedStatement(sql: SQL.insertLabel)
        for (key, value) in labels {
            try insert.reset(binding: [.of(id.rawValue), .of(key), .of(value)])
            try insert.execute()
        }
    }

    /// Counts by flow, status and step.
    static func statistics(_ db: Database, flowName: String?, path: String) throws -> ProcessStatistics {
        let arguments = StatementArguments([flowName?.databaseValue ?? .null])
        var rows = try db.cachedStatement(sql: SQL.statistics).fetchValues(arguments: arguments)
        let active = try db.cachedStatement(sql: SQL.activePositions)
        let cursor = try Row.fetchCursor(active, arguments: arguments)
        var counter = PositionCounter()
        while try cursor.next() != nil { counter.add(active.sqliteStatement) }
        rows += counter.groups.map { group in
            group.columns.map { $0?.databaseValue ?? .null } + [Int64(group.count).databaseValue]
        }
        return ProcessStatistics(groups: try rows.map { row in
            let reader = RowReader(row: row, processID: ProcessID("-"), path: path)
            return ProcessStatistics.Group(
                flowName: try reader.text(0, "flow_name"), status: try reader.status(1, "status"),
                step: try reader.optionalText(2, "current_step"), count: Int(try reader.integer(3, "count"))
            )
        })
    }

    /// Deletes up to `request.limit` finished processes (history, signals and labels go with them, by cascade).
    static func purge(_ db: Database, _ request: PurgeRequest) throws -> [ProcessID] {
        let statuses = request.finishedStatuses.map(\.rawValue)
        guard !statuses.isEmpty, request.limit > 0 else { return [] }
        var arguments: StatementArguments = [Columns.milliseconds(request.finishedBefore)]
        arguments += StatementArguments(statuses)
        var flowCondition = ""
        if let flowName = request.flowName {
            flowCondition = "AND flow_name = ?"
            arguments += [flowName]
        }
        arguments += [request.limit]
        let select = """
            SELECT rowid FROM processes
            WHERE \(SQL.finished) AND rest_updated_at < ? AND rest_status IN (\(Array(repeating: "?", count: statuses.count).joined(separator: ", "))) \(flowCondition)
            LIMIT ?
            """
        let rowids = try Int64.fetchAll(db.cachedStatement(sql: select), arguments: arguments)
        guard !rowids.isEmpty else { return [] }
        let json = "[" + rowids.map(String.init).joined(separator: ",") + "]"
        try db.cachedStatement(sql: SQL.uncountPurged).execute(arguments: [json])
        let delete = "DELETE FROM processes WHERE rowid IN (SELECT value FROM json_each(?)) RETURNING id"
        return try String.fetchAll(db.cachedStatement(sql: delete), arguments: [json]).map { ProcessID($0) }
    }

    /// Appends a signal to the inbox of process `id` and, by the rules every store shares
    /// (``ProcessRecord/signalDelivery(now:)``), wakes the process when it is free and due later.
    /// Returns the stored signal and whether idle workers should be woken.
    static func sendSignal(
        _ db: Database, to id: ProcessID, name: String, payload: Data, now: Date, path: String
    ) throws -> (signal: ProcessSignal, wakeWorkers: Bool) {
        guard let row = try db.cachedStatement(sql: SQL.selectProcess).fetchOneValues(arguments: [id.rawValue]) else {
            throw ProcessStoreError.notFound(id)
        }
        let record = try RowReader.record(row, path: path)
        let delivery = try record.signalDelivery(now: now)
        let sentAt = Columns.milliseconds(now)
        let insert = try db.cachedStatement(sql: SQL.insertSignal)
        try insert.reset(binding: [.of(id.rawValue), .of(name), .of(payload), .of(sentAt)])
        guard let inserted = try insert.fetchBoundValues().first else {
            throw ProcessStoreError(.unavailable, processID: id, "the signal '\(name)' to process '\(id)' was not stored in '\(path)'")
        }
        let sequence = try RowReader(row: inserted, processID: id, path: path).integer(0, "signals.sequence")
        if delivery == .wake {
            _ = try execute(db, .wake, on: record, by: nil, path: path, now: now, writesHistory: false)
        }
        let signal = ProcessSignal(
            processID: id, sequence: sequence, name: name, payload: payload, sentAt: Columns.date(milliseconds: sentAt)
        )
        return (signal, delivery != .held)
    }

    /// The signals of `ids`, each process's in sequence order; processes without signals are absent.
    static func signals(_ db: Database, of ids: [ProcessID], path: String) throws -> [ProcessID: [ProcessSignal]] {
        var found: [ProcessID: [ProcessSignal]] = [:]
        let unique = Array(Set(ids.map(\.rawValue))).sorted()
        for start in stride(from: 0, to: unique.count, by: signalsChunk) {
            let chunk = Array(unique[start..<min(start + signalsChunk, unique.count)])
            // Not cached: the statement depends on the chunk's size.
            let rows = try db.makeStatement(sql: SQL.selectSignals(count: chunk.count))
                .fetchValues(arguments: StatementArguments(chunk))
            for row in rows {
                let signal = try RowReader.signal(row, path: path)
                found[signal.processID, default: []].append(signal)
            }
        }
        return found
    }

    /// The most process ids bound to one statement of ``signals(_:of:path:)``.
    private static let signalsChunk = 500
}
