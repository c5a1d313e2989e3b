import Foundation
import Logging
import PostgresNIO
import StepFlow
import StepFlowRuntime

/// The body of each store operation, run on one connection (inside the transaction the store opens where it
/// needs one). They capture nothing, so that no connection ever holds the store.
enum Transactions {
    typealias SQL = PostgresProcessStore.SQL

    /// Runs `sql` with `binds` and collects its rows.
    @discardableResult
    static func rows(
        _ connection: PostgresConnection, _ sql: String, _ binds: PostgresBindings = PostgresBindings(), logger: Logger
    ) async throws -> [PostgresRow] {
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
    }

    /// Runs `body` between `BEGIN` and `COMMIT`, rolling back when it throws (and rethrowing its error as it is).
    ///
    /// With `idleTimeout`, the server ends the session if the transaction waits longer than that for its next
    /// statement (`SET LOCAL idle_in_transaction_session_timeout`): a program stopped in the middle of a transaction
    /// (a pause, a lost network) then holds its rows' locks no longer than that, instead of keeping other workers
    /// from taking its processes over after their leases lapse.
    static func transaction<T: Sendable>(
        _ connection: PostgresConnection, idleTimeout: Duration? = nil, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await rows(connection, "BEGIN", logger: logger)
        if let idleTimeout {
            let milliseconds = max(1, Int64(idleTimeout.timeInterval * 1000))
            try await rows(connection, "SET LOCAL idle_in_transaction_session_timeout = \(milliseconds)", logger: logger)
        }
        let value: T
        do {
            value = try await body(connection)
        } catch {
            _ = try? await rows(connection, "ROLLBACK", logger: logger)
            throw error
        }
        try await rows(connection, "COMMIT", logger: logger)
        return value
    }

    static func migrate(_ connection: PostgresConnection, _ sql: SQL, logger: Logger, server: String) async throws {
        try await transaction(connection, logger: logger) { connection in
            var lock = PostgresBindings()
            lock.append(sql.schema)
            try await rows(connection, sql.lockMigrations, lock, logger: logger)
            for statement in sql.createMigrationsTable.split(separator: ";") {
                try await rows(connection, String(statement), logger: logger)
            }
            let applied = try await rows(connection, sql.appliedMigrations, logger: logger).map { try $0.decode(Int.self) }
            let known = PostgresProcessStore.migrations.map(\.version)
            if let newest = applied.max(), newest > known.max() ?? 0 {
                throw ProcessStoreError(
                    .unavailable,
                    "the PostgreSQL store in schema '\(sql.schema)' at \(server) was migrated by a newer StepFlow "
                        + "(schema version \(newest); this one knows up to \(known.max() ?? 0)): run that version"
                )
            }
            for migration in PostgresProcessStore.migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await rows(connection, statement.replacingOccurrences(of: "{schema}", with: sql.schema), logger: logger)
                }
                var binds = PostgresBindings()
                binds.append(migration.version)
                binds.append(migration.name)
                try await rows(connection, sql.recordMigration, binds, logger: logger)
                logger.info("applied migration \(migration.version) (\(migration.name)) to schema '\(sql.schema)'")
            }
        }
    }

    static func notify(_ connection: PostgresConnection, _ sql: SQL, logger: Logger) async throws {
        var binds = PostgresBindings()
        binds.append(sql.channel)
        try await rows(connection, sql.notify, binds, logger: logger)
    }

    /// Creates a batch of processes with one statement (``PostgresProcessStore/SQL/insertProcesses``), then reads
    /// the ones that existed already with a second, checking that each has the same flow.
    static func create(
        _ connection: PostgresConnection, _ processes: [NewProcess], _ sql: SQL, logger: Logger, server: String
    ) async throws -> [(record: ProcessRecord, created: Bool)] {
        var (ids, flows, states) = (ArrayParameter.text(capacity: processes.count), ArrayParameter.text(capacity: processes.count),
                                    ArrayParameter.text(capacity: processes.count))
        var (inputs, data) = (ArrayParameter.bytea(capacity: processes.count), ArrayParameter.bytea(capacity: processes.count))
        var labels = ArrayParameter.text(capacity: processes.count)
        var traceContexts = ArrayParameter.text(capacity: processes.count)
        var steps = ArrayParameter.text(capacity: processes.count)
        // `process.now` is not used: processes are created, and due, at the server's time.
        for process in processes {
            try ProcessLabels.validate(process.labels)
            labels.append(ProcessLabels.json(process.labels))
            ids.append(process.id.rawValue)
            flows.append(process.flowName)
            states.append(Columns.json(process.state))
            inputs.append(process.input)
            data.append(process.data)
            traceContexts.append(process.traceContext)
            steps.append(ProcessPosition.step(of: process.state, flowName: process.flowName))
        }
        var binds = PostgresBindings(capacity: 8)
        for column in [ids, flows, states, inputs, data, labels, traceContexts, steps] { binds.append(column) }
        var inserted: [ProcessID: ProcessRecord] = [:]
        for row in try await rows(connection, sql.insertProcesses, binds, logger: logger) {
            let record = try RowReader.record(row, server: server)
            inserted[record.id] = record
        }
        let labelled = inserted.values.filter { !$0.labels.isEmpty }
        if !labelled.isEmpty {
            var labelledIDs = ArrayParameter.text(capacity: labelled.count)
            for record in labelled { labelledIDs.append(record.id.rawValue) }
            var labelBinds = PostgresBindings(capacity: 1)
            labelBinds.append(labelledIDs)
            try await rows(connection, sql.insertLabels, labelBinds, logger: logger)
        }
        var existing: [ProcessID: ProcessRecord] = [:]
        let others = processes.filter { inserted[$0.id] == nil }
        if !others.isEmpty {
            var missing = ArrayParameter.text(capacity: others.count)
            for process in others { missing.append(process.id.rawValue) }
            var select = PostgresBindings(capacity: 1)
            select.append(missing)
            for row in try await rows(connection, sql.selectProcesses, select, logger: logger) {
                let reader = RowReader(row, server: server)
                existing[reader.processID] = try reader.record()
            }
        }
        var results: [(record: ProcessRecord, created: Bool)] = []
        results.reserveCapacity(processes.count)
        var reported = Set<ProcessID>()
        for process in processes {
            // A process is created by its first occurrence in the batch; a later one finds it, like an existing one.
            let (first, _) = reported.insert(process.id)
            if first, let record = inserted[process.id] {
                results.append((record, true))
                continue
            }
            guard let record = inserted[process.id] ?? existing[process.id] else {
                throw ProcessStoreError(
                    .unavailable, processID: process.id, "process '\(process.id)' vanished while it was created at \(server)"
                )
            }
            guard record.flowName == process.flowName else {
                throw ProcessStoreError.flowConflict(process.id, existing: record.flowName, requested: process.flowName)
            }
            results.append((record, false))
        }
        return results
    }

    static func processes(
        _ connection: PostgresConnection, _ query: ProcessQuery, _ sql: SQL, logger: Logger, server: String
    ) async throws -> [ProcessRecord] {
        guard let (text, binds) = listStatement(query, sql) else { return [] }
        return try await rows(connection, text, binds, logger: logger).map { try RowReader.record($0, server: server) }
    }

    /// The plan PostgreSQL chooses for `query` (`EXPLAIN`), one line per node.
    static func queryPlan(_ connection: PostgresConnection, _ query: ProcessQuery, _ sql: SQL, logger: Logger) async throws -> [String] {
        guard let (text, binds) = listStatement(query, sql) else { return [] }
        return try await rows(connection, "EXPLAIN " + text, binds, logger: logger).map { try $0.decode(String.self) }
    }

    /// The statement that lists `query`'s processes, with its binds; `nil` when it can match nothing.
    private static func listStatement(_ query: ProcessQuery, _ sql: SQL) -> (String, PostgresBindings)? {
        guard let (text, values) = query.sqlSelect(
            processesTable: "\(sql.schema).processes", labelsTable: "\(sql.schema).process_labels",
            changingColumns: sql.changingColumnSearch, placeholder: { "$\($0)" }
        ) else { return nil }
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case let .text(text): binds.append(text)
            case let .integer(integer): binds.append(integer)
            }
        }
        return (text, binds)
    }

    static func statistics(
        _ connection: PostgresConnection, flowName: String?, _ sql: SQL, logger: Logger, server: String
    ) async throws -> ProcessStatistics {
        var binds = PostgresBindings(capacity: 1)
        binds.append(flowName)
        return ProcessStatistics(groups: try await rows(connection, sql.statistics, binds, logger: logger).map { row in
            let reader = RowReader(row, processID: ProcessID("-"), server: server)
            return ProcessStatistics.Group(
                flowName: try reader.text(0, "flow_name"), status: try reader.status(1, "status"),
                step: try reader.optionalText(2, "current_step"), count: Int(try reader.integer(3, "count"))
            )
        })
    }

    /// Deletes up to `request.limit` finished processes (history, signals and labels go by cascade); with
    /// `request.exclusive`, only when no other transaction is purging (an advisory lock held to the commit).
    static func purge(
        _ connection: PostgresConnection, _ request: PurgeRequest, _ sql: SQL, logger: Logger
    ) async throws -> [ProcessID] {
        let statuses = request.finishedStatuses.map(\.rawValue)
        guard !statuses.isEmpty, request.limit > 0 else { return [] }
        if request.exclusive {
            var lock = PostgresBindings(capacity: 1)
            lock.append(sql.schema)
            let taken = try await rows(connection, sql.tryPurgeLock, lock, logger: logger).first?.decode(Bool.self) ?? false
            if !taken { return [] }
        }
        var binds = PostgresBindings(capacity: 4)
        binds.append(Columns.milliseconds(request.finishedBefore))
        binds.append(statuses)
        binds.append(request.flowName)
        binds.append(Int64(request.limit))
        return try await rows(connection, sql.purge, binds, logger: logger).map { ProcessID(try $0.decode(String.self)) }
    }

    static func claim(
        _ connection: PostgresConnection, _ request: ClaimRequest, _ sql: SQL, logger: Logger, server: String
    ) async throws -> [ClaimedProcess] {
        // `request.now` is not used: what is due, and when the leases lapse, is decided by the server's time.
        let lease = Columns.milliseconds(request.leaseDuration)
        var binds = PostgresBindings()
        if let only = request.only {
            binds.append(request.owner)
            binds.append(lease)
            binds.append(only.rawValue)
            binds.append(request.force)
            return try await rows(connection, sql.claimOne, binds, logger: logger).map {
                RowReader($0, server: server).claimed()
            }
        }
        binds.append(Int64(request.limit))
        binds.append(request.owner)
        binds.append(lease)
        let claimed = try await rows(connection, sql.claimDue, binds, logger: logger).map { row in
            let reader = RowReader(row, server: server)
            return (due: try? reader.optionalInteger(ProcessColumn.count, "due_at"), claimed: reader.claimed())
        }
        // RETURNING gives no order: put the processes back in due order (then by id, as a tie-break).
        return claimed.sorted { ($0.due ?? .min, $0.claimed.id) < ($1.due ?? .min, $1.claimed.id) }.map(\.claimed)
    }

    /// Saves a batch of updates with one statement (``PostgresProcessStore/SQL/commitUpdates``): each only with its
    /// lease token, with the history entries of the saved ones. The rows are updated in id order, so that two
    /// workers saving overlapping batches (a stale one among them) lock them in the same order and never deadlock.
    /// The rows are updated at the server's time (`update.now` is not used); due times are the updates' own.
    static func commit(_ connection: PostgresConnection, _ updates: [ProcessUpdate], _ sql: SQL, logger: Logger) async throws -> [CommitOutcome] {
        let ordered = updates.sorted { $0.id < $1.id }
        let count = ordered.count
        var (ids, tokens, states, data) = (ArrayParameter.text(capacity: count), ArrayParameter.bigint(capacity: count),
                                           ArrayParameter.text(capacity: count * 8), ArrayParameter.bytea(capacity: count))
        var steps = ArrayParameter.text(capacity: count * 2)
        var (statuses, dueAt, stepCounts) = (ArrayParameter.text(capacity: count), ArrayParameter.bigint(capacity: count),
                                             ArrayParameter.bigint(capacity: count))
        var (attempts, errors) = (ArrayParameter.bigint(capacity: count), ArrayParameter.text(capacity: count))
        var history = HistoryColumns(capacity: count)
        for update in ordered {
            ids.append(update.id.rawValue)
            tokens.append(update.leaseToken)
            states.append(update.state.map(Columns.json))
            steps.append(update.state.flatMap { ProcessPosition.step(of: $0, flowName: update.flowName) })
            data.append(update.data)
            statuses.append(update.status.rawValue)
            dueAt.append(update.dueAt.map(Columns.milliseconds))
            stepCounts.append(update.stepCount.map { Int64($0) })
            attempts.append(Int64(update.attempt))
            errors.append(PostgresText.storable(update.lastError))
            if let entry = update.history { history.append(entry, of: update.id) }
        }
        var binds = PostgresBindings(capacity: UpdateArray.allCases.count + HistoryArray.allCases.count)
        for array in UpdateArray.allCases {
            switch array {
            case .id: binds.append(ids)
            case .token: binds.append(tokens)
            case .state: binds.append(states)
            case .currentStep: binds.append(steps)
            case .data: binds.append(data)
            case .status: binds.append(statuses)
            case .dueAt: binds.append(dueAt)
            case .stepCount: binds.append(stepCounts)
            case .attempt: binds.append(attempts)
            case .lastError: binds.append(errors)
            }
        }
        history.bind(into: &binds)
        let statement = history.hasPolls ? sql.commitUpdatesMergingPolls : sql.commitUpdates
        let saved = Set(try await rows(connection, statement, binds, logger: logger).map { try $0.decode(String.self) })
        return updates.map { saved.contains($0.id.rawValue) ? .saved : .rejected }
    }

    /// The columns of a batch's history entries, as arrays.
    struct HistoryColumns {
        var processIDs, sequences, startedAt, stepPaths, before, after: ArrayParameter
        var durations, outcomes, errors, workers, tokens, reasons: ArrayParameter
        /// Whether an entry is a `waiting` outcome, which may be merged into its process's last row.
        var hasPolls = false

        init(capacity: Int) {
            (processIDs, sequences, startedAt) = (.text(capacity: capacity), .bigint(capacity: capacity), .bigint(capacity: capacity))
            (stepPaths, before, after) = (.text(capacity: capacity * 2), .text(capacity: capacity * 8), .text(capacity: capacity * 8))
            (durations, outcomes, errors) = (.bigint(capacity: capacity), .text(capacity: capacity), .text(capacity: capacity))
            (workers, tokens, reasons) = (.text(capacity: capacity), .bigint(capacity: capacity), .text(capacity: capacity))
        }

        mutating func append(_ entry: HistoryEntry, of id: ProcessID) {
            processIDs.append(id.rawValue)
            sequences.append(Int64(entry.sequence))
            startedAt.append(Columns.milliseconds(entry.startedAt))
            stepPaths.append(entry.stepPath)
            before.append(Columns.json(entry.before))
            after.append(Columns.json(entry.after))
            durations.append(Columns.nanoseconds(entry.duration))
            outcomes.append(entry.outcome.rawValue)
            if entry.outcome == .waiting { hasPolls = true }
            errors.append(PostgresText.storable(entry.error))
            workers.append(entry.worker)
            tokens.append(entry.leaseToken)
            reasons.append(PostgresText.storable(entry.reason))
        }

        /// Binds the arrays in ``HistoryArray``'s order.
        func bind(into binds: inout PostgresBindings) {
            for array in HistoryArray.allCases {
                switch array {
                case .processID: binds.append(processIDs)
                case .sequence: binds.append(sequences)
                case .startedAt: binds.append(startedAt)
                case .stepPath: binds.append(stepPaths)
                case .stateBefore: binds.append(before)
                case .stateAfter: binds.append(after)
                case .duration: binds.append(durations)
                case .outcome: binds.append(outcomes)
                case .error: binds.append(errors)
                case .worker: binds.append(workers)
                case .leaseToken: binds.append(tokens)
                case .reason: binds.append(reasons)
                }
            }
        }
    }

    /// The ids and tokens of `processes`, as two arrays.
    private static func leaseColumns(_ processes: [ProcessLeaseToken]) -> (ids: ArrayParameter, tokens: ArrayParameter) {
        var (ids, tokens) = (ArrayParameter.text(capacity: processes.count), ArrayParameter.bigint(capacity: processes.count))
        for held in processes.sorted(by: { $0.id < $1.id }) {
            ids.append(held.id.rawValue)
            tokens.append(held.token)
        }
        return (ids, tokens)
    }

    /// Extends the leases in one statement, until `until` or, when it is `nil`, for `duration` past the server's
    /// time; returns the ids still held, in the order given.
    static func renewLeases(
        _ connection: PostgresConnection, _ processes: [ProcessLeaseToken], owner: String, until: Date?, duration: Duration,
        _ sql: SQL, logger: Logger
    ) async throws -> [ProcessID] {
        let (ids, tokens) = leaseColumns(processes)
        var binds = PostgresBindings(capacity: 5)
        binds.append(until.map(Columns.milliseconds))
        binds.append(ids)
        binds.append(tokens)
        binds.append(owner)
        binds.append(Columns.milliseconds(duration))
        let renewed = Set(try await rows(connection, sql.renewLeases, binds, logger: logger).map { try $0.decode(String.self) })
        return processes.map(\.id).filter { renewed.contains($0.rawValue) }
    }

    /// Gives the leases back in one statement, which also wakes the idle workers when any was released; returns
    /// how many were. The processes are due at the server's time.
    static func releaseLeases(
        _ connection: PostgresConnection, _ processes: [ProcessLeaseToken], owner: String, _ sql: SQL, logger: Logger
    ) async throws -> Int {
        let (ids, tokens) = leaseColumns(processes)
        var binds = PostgresBindings(capacity: 4)
        binds.append(ids)
        binds.append(tokens)
        binds.append(owner)
        binds.append(sql.channel)
        let row = try await rows(connection, sql.releaseLeases, binds, logger: logger).first
        return try row?.makeRandomAccess()[0].decode(Int.self) ?? 0
    }

    /// Reads process `id` with its row locked until the transaction ends, and the server's time.
    static func lockProcess(
        _ connection: PostgresConnection, _ id: ProcessID, _ sql: SQL, logger: Logger, server: String
    ) async throws -> (record: ProcessRecord, now: Date) {
        var select = PostgresBindings()
        select.append(id.rawValue)
        guard let row = try await rows(connection, sql.selectProcessForUpdate, select, logger: logger).first else {
            throw ProcessStoreError.notFound(id)
        }
        let reader = RowReader(row, server: server)
        let now = try reader.integer(SQL.serverTimeColumn, "now_ms()")
        return (try reader.record(), Columns.date(milliseconds: now))
    }

    /// Applies a command with the rules every store shares (``ProcessRecord/apply(_:now:)``) at the server's time
    /// and saves the result, the row locked from the read to the write. With `notifies`, a process left due sends
    /// the `NOTIFY` that wakes idle workers; a batch passes `false` and sends one for all its processes.
    ///
    /// A process that is not found or refuses the command throws before this writes anything (and before any
    /// statement fails), so a batch's transaction can report it and go on.
    static func execute(
        _ connection: PostgresConnection, _ command: ProcessCommand, on id: ProcessID, by caller: String?,
        writesHistory: Bool = true, notifies: Bool = true, _ sql: SQL, logger: Logger, server: String
    ) async throws -> ProcessRecord {
        let (stored, now) = try await lockProcess(connection, id, sql, logger: logger, server: server)
        var record = stored
        let entry = try record.apply(command, now: now, by: caller)
        guard record != stored else { return stored }
        var binds = PostgresBindings()
        binds.append(record.status.rawValue)
        binds.append(record.dueAt.map(Columns.milliseconds))
        binds.append(Int64(record.attempt))
        binds.append(PostgresText.storable(record.lastError))
        binds.append(Columns.milliseconds(record.updatedAt))
        binds.append(record.lease?.owner)
        binds.append(record.lease.map { Columns.milliseconds($0.expiresAt) })
        binds.append(record.leaseToken)
        binds.append(id.rawValue)
        binds.append(Columns.json(record.state))
        binds.append(record.flowName)
        try binds.append(record.data)
        binds.append(ProcessLabels.json(record.labels))
        binds.append(ProcessPosition.step(of: record.state, flowName: record.flowName))
        guard let saved = try await rows(connection, sql.applyCommand, binds, logger: logger).first else {
            throw ProcessStoreError.notFound(id)
        }
        let result = try RowReader.record(saved, server: server)
        if record.labels != stored.labels {
            var delete = PostgresBindings(capacity: 1)
            delete.append(id.rawValue)
            try await rows(connection, sql.deleteLabels, delete, logger: logger)
            var insert = PostgresBindings(capacity: 1)
            insert.append([id.rawValue])
            try await rows(connection, sql.insertLabels, insert, logger: logger)
        }
        if writesHistory, let entry {
            var history = HistoryColumns(capacity: 1)
            history.append(entry, of: id)
            var historyBinds = PostgresBindings(capacity: HistoryArray.allCases.count)
            history.bind(into: &historyBinds)
            try await rows(connection, sql.insertHistory, historyBinds, logger: logger)
        }
        if notifies, result.wakesWorkers { try await notify(connection, sql, logger: logger) }
        return result
    }

    /// Applies `command` to each of `ids` with the body of the single process's `execute` above, in the caller's
    /// transaction, reporting a process that is not found or refuses the command for its id; sends one `NOTIFY` when
    /// any process was left due. Returns the outcomes in the order of `ids`.
    ///
    /// The transaction holds every row it changes until it commits, so it takes them in the order the other
    /// statements do, lest two transactions wait for each other: first all the processes' rows, in id order (as a
    /// commit, ``commit(_:_:_:logger:)``), with ``PostgresProcessStore/SQL/lockProcessesForCommand``; then it applies
    /// the command process by process in the order of the `finished_counts` keys a cancel or a resume changes (as
    /// the statements that count finished processes take them).
    static func execute(
        _ connection: PostgresConnection, _ command: ProcessCommand, onEach ids: [ProcessID], by caller: String?,
        _ sql: SQL, logger: Logger, server: String
    ) async throws -> [Result<ProcessRecord, ProcessStoreError>] {
        var lock = PostgresBindings(capacity: 1)
        lock.append(ids.map(\.rawValue))
        let locked = try await rows(connection, sql.lockProcessesForCommand, lock, logger: logger)
            .map { ProcessID(try $0.decode(String.self)) }
        // The ids in the lock's order; the ids not found (nothing to lock) last, each reported as not found. A
        // repeated id is applied, and reported, once for each time it is named.
        let rank = Dictionary(uniqueKeysWithValues: locked.enumerated().map { ($0.element, $0.offset) })
        let order = ids.indices.sorted { (rank[ids[$0]] ?? locked.count, $0) < (rank[ids[$1]] ?? locked.count, $1) }
        var outcomes = [Result<ProcessRecord, ProcessStoreError>?](repeating: nil, count: ids.count)
        for index in order {
            outcomes[index] = try await ProcessStoreError.commandOutcome {
                try await execute(connection, command, on: ids[index], by: caller, notifies: false, sql, logger: logger, server: server)
            }
        }
        let applied = outcomes.compactMap { $0 }
        if ProcessRecord.anyWakesWorkers(applied) { try await notify(connection, sql, logger: logger) }
        return applied
    }
}
