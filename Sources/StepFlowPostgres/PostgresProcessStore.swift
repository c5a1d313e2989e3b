public import Foundation
public import Logging
public import PostgresNIO
public import ServiceLifecycle
public import StepFlowRuntime
import Synchronization

/// A process store in a PostgreSQL database: for many workers on many machines.
///
/// The store runs on a `PostgresClient` that you run as a `Service` (in a `ServiceGroup`, or with `run()` in a
/// task of its own); the store is a `Service` too, which listens for wake-ups from other machines. Call
/// ``migrate()`` once the client runs and before the first worker starts:
///
/// ```swift
/// let url = try PostgresProcessStore.DatabaseURL("postgres://stepflow@db.internal:5432/app")
/// let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
/// let store = PostgresProcessStore(client: client, url: url, logger: logger)
/// let worker = FlowWorker(store: store, registry: registry, logger: logger)
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { await client.run() }
///     try await store.migrate()
///     try await ServiceGroup(services: [store, worker], gracefulShutdownSignals: [.sigterm], logger: logger).run()
///     group.cancelAll()
/// }
/// ```
///
/// Its tables live in their own schema (`stepflow` unless configured otherwise), created and upgraded by
/// ``migrate()`` under a transaction-scoped advisory lock, so several workers may start at once. Every
/// ``claim(_:)`` is one statement that finds due processes through a partial index on the due time and skips rows
/// another worker is claiming (`FOR UPDATE SKIP LOCKED`); every ``commit(_:)`` is one statement for the whole
/// batch (its columns bound as arrays and read back with `unnest`), each update saved only with the current lease
/// token, with the saved steps' history; ``commit(_:thenClaim:)`` adds the next claim in the same transaction.
/// Renewing and releasing leases are one statement per batch too.
///
/// The store schedules by the server's clock, never the caller's: every statement that decides what is due, when a
/// lease lapses, or stamps a record reads the server's time (`<schema>.now_ms()`, from `clock_timestamp()`), and the
/// `now` values callers pass are not used. ``serverTime()`` returns it, and workers and clients align their clocks to
/// it (`ServerAlignedClock`), so machines whose clocks disagree schedule alike.
///
/// `create`, `wake`, `resume` and released leases send a `NOTIFY` on the channel `<schema>_wakeup` in their
/// transaction; ``run()`` listens on it, so ``wakeUps()`` yields for work made due by any store on any machine.
///
/// Each transaction ends on the server if it waits longer than ``Configuration/transactionIdleTimeout`` for its
/// next statement (a worker stopped mid-transaction does not keep its rows locked), and each operation fails with
/// `.unavailable` after ``Configuration/operationTimeout`` (a connection lost mid-query does not hang a worker).
///
/// A row that cannot be read (a state that is not a JSON array of strings, an unknown status) never stops the
/// others: ``claim(_:)`` returns it with a `.corruptRecord` error as its record, and ``process(_:)`` throws it.
/// Errors talking to the server become ``ProcessStoreError`` `.unavailable`, naming the server (never a password).
///
/// The class is `Sendable` without `@unchecked`: its properties are constants, and `PostgresClient`, `Logger`
/// and ``WakeUpBroadcaster`` are `Sendable`.
public final class PostgresProcessStore: ProcessStore, Service {
    /// The client the store runs its queries on.
    public let client: PostgresClient
    /// How the store uses the database.
    public let configuration: Configuration

    let sql: SQL
    let logger: Logger
    let broadcaster = WakeUpBroadcaster()

    /// A store on `client`, with its tables in `configuration.schema`.
    ///
    /// Nothing is sent to the server until ``migrate()``, which must run before the store is used.
    /// - Precondition: the schema is a plain lowercase identifier (letters, digits, underscores).
    public init(client: PostgresClient, configuration: Configuration = Configuration(), logger: Logger) {
        precondition(
            configuration.hasValidSchema,
            "the schema '\(configuration.schema)' must be lowercase letters, digits and underscores, starting with a letter"
        )
        self.client = client
        self.configuration = configuration
        self.logger = logger
        self.sql = SQL(schema: configuration.schema, channel: configuration.channel)
    }

    /// A store on `client`, connected to `url` (which names the server in error messages).
    public convenience init(client: PostgresClient, url: DatabaseURL, schema: String = "stepflow", logger: Logger) {
        self.init(client: client, configuration: Configuration(schema: schema, server: url.description), logger: logger)
    }

    /// Creates or upgrades the store's schema; safe when several workers start at once.
    ///
    /// ``Configuration/startTimeout`` bounds reaching the server. Once connected, the migration takes the time it
    /// needs: it may wait for another store's migration of the same schema (one at a time, under a lock).
    ///
    /// - Throws: ``ProcessStoreError`` `.unavailable` when the server cannot be reached within
    ///   ``Configuration/startTimeout`` (or the client is not running), refuses the connection or the migration,
    ///   or when the schema was migrated by a newer StepFlow.
    public func migrate() async throws {
        let sql = sql
        let logger = logger
        let server = configuration.server
        let timeout = configuration.startTimeout
        let connected = ConnectionFlag()
        do {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await self.client.withConnection { connection in
                        connected.set()
                        try await Transactions.migrate(connection, sql, logger: logger, server: server)
                    }
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return false
                }
                var finished = false
                while let result = try await group.next() {
                    // The time ran out after the connection was made: the migration goes on (see above).
                    if result || !connected.isSet {
                        finished = result
                        break
                    }
                }
                group.cancelAll()
                if !finished {
                    throw ProcessStoreError(
                        .unavailable,
                        "cannot reach the PostgreSQL store at \(server) within \(timeout): check that the server runs and "
                            + "accepts connections at that address, and that the PostgresClient is running (in a ServiceGroup)"
                    )
                }
            }
        } catch let error as ProcessStoreError {
            throw error
        } catch {
            throw unavailable("open its schema '\(configuration.schema)'", error)
        }
    }

    // MARK: - Access

    /// Runs `body` on a connection; server errors become `.unavailable` errors naming the server, and so does an
    /// operation that takes longer than ``Configuration/operationTimeout`` (see ``OperationDeadline``).
    func withConnection<T: Sendable>(
        _ operation: @autoclosure () -> String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let (client, timeout) = (client, configuration.operationTimeout)
        do {
            return try await OperationDeadline.run(within: timeout) {
                try await client.withConnection { connection in try await body(connection) }
            }
        } catch let error as ProcessStoreError {
            throw error
        } catch is OperationDeadline.Expired {
            throw ProcessStoreError(
                .unavailable,
                "the PostgreSQL store at \(configuration.server) did not \(operation()) within \(timeout.map { "\($0)" } ?? "")"
                    + " (the server or the connection may be down): the operation was abandoned; retry it"
            )
        } catch {
            throw unavailable(operation(), error)
        }
    }

    /// Runs `body` in one transaction; server errors become `.unavailable` errors naming the server.
    func transaction<T: Sendable>(
        _ operation: @autoclosure () -> String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let (logger, idleTimeout) = (logger, configuration.transactionIdleTimeout)
        return try await withConnection(operation()) { connection in
            try await Transactions.transaction(connection, idleTimeout: idleTimeout, logger: logger, body)
        }
    }

    func unavailable(_ operation: String, _ error: any Error) -> ProcessStoreError {
        ProcessStoreError(
            .unavailable, "the PostgreSQL store at \(configuration.server) could not \(operation): \(Self.describe(error))"
        )
    }

    /// What went wrong, from PostgresNIO's errors (whose `description` hides everything on purpose).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let info = error.serverInfo {
                let state = info[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return "the server said: \(info[.message] ?? "an error")\(state)"
            }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.beginError ?? error.commitError { return describe(inner) }
        }
        return "\(error)"
    }

    // MARK: - ProcessStore

    public func create(_ process: NewProcess) async throws -> (record: ProcessRecord, created: Bool) {
        try await create([process])[0]
    }

    public func create(_ processes: [NewProcess]) async throws -> [(record: ProcessRecord, created: Bool)] {
        guard !processes.isEmpty else { return [] }
        let (sql, logger, server) = (sql, logger, configuration.server)
        let operation = processes.count == 1 ? "create process '\(processes[0].id)'" : "create \(processes.count) processes"
        let results = try await transaction(operation) { connection in
            let results = try await Transactions.create(connection, processes, sql, logger: logger, server: server)
                .map { Created(record: $0.record, created: $0.created) }
            if results.contains(where: \.created) { try await Transactions.notify(connection, sql, logger: logger) }
            return results
        }
        if results.contains(where: \.created) { broadcaster.signal() }
        return results.map { ($0.record, $0.created) }
    }

    /// A created record (a tuple is not `Sendable` across the transaction's boundary).
    private struct Created: Sendable {
        let record: ProcessRecord
        let created: Bool
    }

    public func process(_ id: ProcessID) async throws -> ProcessRecord? {
        let (sql, logger, server) = (sql, logger, configuration.server)
        return try await withConnection("read process '\(id)'") { connection in
            var binds = PostgresBindings()
            binds.append(id.rawValue)
            return try await Transactions.rows(connection, sql.selectProcess, binds, logger: logger).first
                .map { try RowReader.record($0, server: server) }
        }
    }

    public func processes(_ query: ProcessQuery) async throws -> [ProcessRecord] {
        if let statuses = query.statuses, statuses.isEmpty { return [] }
        let (sql, logger, server) = (sql, logger, configuration.server)
        return try await withConnection("list processes") { connection in
            try await Transactions.processes(connection, query, sql, logger: logger, server: server)
        }
    }

    public func history(of id: ProcessID) async throws -> [HistoryEntry] {
        let (sql, logger, server) = (sql, logger, configuration.server)
        return try await withConnection("read the history of process '\(id)'") { connection in
            var binds = PostgresBindings()
            binds.append(id.rawValue)
            return try await Transactions.rows(connection, sql.selectHistory, binds, logger: logger)
                .map { try RowReader.historyEntry($0, of: id, server: server) }
        }
    }

    public func claim(_ request: ClaimRequest) async throws -> [ClaimedProcess] {
        guard request.limit > 0 else { return [] }
        let (sql, logger, server) = (sql, logger, configuration.server)
        return try await withConnection("claim processes") { connection in
            try await Transactions.claim(connection, request, sql, logger: logger, server: server)
        }
    }

    public func commit(_ updates: [ProcessUpdate]) async throws -> [CommitOutcome] {
        guard !updates.isEmpty else { return [] }
        let (sql, logger) = (sql, logger)
        // One statement: its own transaction.
        return try await withConnection("commit \(updates.count) updates") { connection in
            try await Transactions.commit(connection, updates, sql, logger: logger)
        }
    }

    /// Saves `updates` and claims the next batch in one transaction: the claim sees the saves.
    public func commit(_ updates: [ProcessUpdate], thenClaim request: ClaimRequest) async throws
        -> (outcomes: [CommitOutcome], claimed: [ClaimedProcess])
    {
        guard !updates.isEmpty else { return ([], try await claim(request)) }
        guard request.limit > 0 else { return (try await commit(updates), []) }
        let (sql, logger, server) = (sql, logger, configuration.server)
        let result = try await transaction("commit \(updates.count) updates and claim processes") { connection in
            let outcomes = try await Transactions.commit(connection, updates, sql, logger: logger)
            let claimed = try await Transactions.claim(connection, request, sql, logger: logger, server: server)
            return CommitAndClaim(outcomes: outcomes, claimed: claimed)
        }
        return (result.outcomes, result.claimed)
    }

    /// What ``commit(_:thenClaim:)``'s transaction returns (a tuple is not `Sendable` across its boundary).
    private struct CommitAndClaim: Sendable {
        let outcomes: [CommitOutcome]
        let claimed: [ClaimedProcess]
    }

    public func renewLeases(_ processes: [ProcessLeaseToken], owner: String, until: Date) async throws -> [ProcessID] {
        guard !processes.isEmpty else { return [] }
        let (sql, logger) = (sql, logger)
        return try await withConnection("renew leases") { connection in
            try await Transactions.renewLeases(connection, processes, owner: owner, until: until, duration: .zero, sql, logger: logger)
        }
    }

    /// Extends the leases for `duration` past the server's time (`now` is not used).
    public func renewLeases(
        _ processes: [ProcessLeaseToken], owner: String, now: Date, for duration: Duration
    ) async throws -> [ProcessID] {
        guard !processes.isEmpty else { return [] }
        let (sql, logger) = (sql, logger)
        return try await withConnection("renew leases") { connection in
            try await Transactions.renewLeases(connection, processes, owner: owner, until: nil, duration: duration, sql, logger: logger)
        }
    }

    public func releaseLeases(_ processes: [ProcessLeaseToken], owner: String, now: Date) async throws {
        if !processes.isEmpty {
            let (sql, logger) = (sql, logger)
            // One statement, which also sends the NOTIFY when it releases any lease.
            _ = try await withConnection("release leases") { connection in
                try await Transactions.releaseLeases(connection, processes, owner: owner, sql, logger: logger)
            }
        }
        broadcaster.signal()
    }

    /// Applies the command at the server's time (`now` is not used), the row locked from the read to the write.
    public func execute(_ command: ProcessCommand, on id: ProcessID, now: Date, by caller: String?) async throws -> ProcessRecord {
        let (sql, logger, server) = (sql, logger, configuration.server)
        let record = try await transaction("apply a command to process '\(id)'") { connection in
            try await Transactions.execute(connection, command, on: id, by: caller, sql, logger: logger, server: server)
        }
        if record.wakesWorkers { broadcaster.signal() }
        return record
    }

    /// Applies the command to every process in one transaction at the server's time (`now` is not used), each row
    /// locked from its read to the commit; one `NOTIFY` wakes idle workers when any process was left due.
    public func execute(
        _ command: ProcessCommand, onEach ids: [ProcessID], now: Date, by caller: String?
    ) async throws -> [Result<ProcessRecord, ProcessStoreError>] {
        guard !ids.isEmpty else { return [] }
        let (sql, logger, server) = (sql, logger, configuration.server)
        let outcomes = try await transaction("apply a command to \(ids.count) processes") { connection in
            try await Transactions.execute(connection, command, onEach: ids, by: caller, sql, logger: logger, server: server)
        }
        if ProcessRecord.anyWakesWorkers(outcomes) { broadcaster.signal() }
        return outcomes
    }

    public func statistics(flowName: String?) async throws -> ProcessStatistics {
        let (sql, logger, server) = (sql, logger, configuration.server)
        return try await withConnection("count processes") { connection in
            try await Transactions.statistics(connection, flowName: flowName, sql, logger: logger, server: server)
        }
    }

    /// Deletes the processes in one transaction; with `request.exclusive`, only one store on this schema purges at a
    /// time (`pg_try_advisory_xact_lock`): the others delete nothing.
    public func purge(_ request: PurgeRequest) async throws -> [ProcessID] {
        let (sql, logger) = (sql, logger)
        return try await transaction("purge finished processes") { connection in
            try await Transactions.purge(connection, request, sql, logger: logger)
        }
    }

    /// The plan PostgreSQL chooses to list `query`'s processes (`EXPLAIN`), one line per node: shows which indexes a
    /// search uses.
    public func queryPlan(_ query: ProcessQuery) async throws -> [String] {
        let (sql, logger) = (sql, logger)
        return try await withConnection("explain a query") { connection in
            try await Transactions.queryPlan(connection, query, sql, logger: logger)
        }
    }

    public func nextDueDate() async throws -> Date? {
        let (sql, logger) = (sql, logger)
        return try await withConnection("read the next due date") { connection in
            try await Transactions.rows(connection, sql.nextDueDate, logger: logger).first?
                .decode(Int64?.self).map(Columns.date(milliseconds:))
        }
    }

    public func dueCount(now: Date) async throws -> Int {
        let (sql, logger) = (sql, logger)
        return try await withConnection("count due processes") { connection in
            try await Transactions.rows(connection, sql.dueCount, logger: logger).first?.decode(Int.self) ?? 0
        }
    }

    /// The server's time (`{schema}.now_ms()`): the clock by which this store schedules every process.
    public func serverTime() async throws -> Date? {
        let (sql, logger) = (sql, logger)
        return try await withConnection("read the server's time") { connection in
            let milliseconds = try await Transactions.rows(connection, sql.serverTime, logger: logger).first?.decode(Int64.self)
            return milliseconds.map(Columns.date(milliseconds:))
        }
    }

    public func wakeUps() -> AsyncStream<Void> {
        broadcaster.subscribe()
    }
}

/// Whether ``PostgresProcessStore/migrate()`` has reached the server: set from the migration's task, read by the
/// task that waits for it.
private final class ConnectionFlag: Sendable {
    private let value = Mutex(false)

    /// Records that the connection was made.
    func set() { value.withLock { $0 = true } }

    /// Whether the connection was made.
    var isSet: Bool { value.withLock { $0 } }
}
