public import Foundation
import GRDB
public import StepFlowRuntime

/// A process store in one SQLite file: the embedded default for one machine.
///
/// The file is created and migrated when first opened, in WAL mode, with `synchronous = FULL` unless
/// configured otherwise. Every ``commit(_:)`` (a batch of updates and their history) is one write
/// transaction; every ``claim(_:)`` is one write transaction that finds due processes through a partial
/// index on the due time. Several stores — in one program or in several — may open the same file:
/// SQLite serialises their writes, and leases and fencing tokens keep their workers apart.
///
/// ```swift
/// let store = try SQLiteProcessStore(path: "/var/lib/myapp/stepflow.sqlite")
/// ```
///
/// A row that cannot be read (a state that is not a JSON array of strings, an unknown status) never
/// stops the others: ``claim(_:)`` returns it with a `.corruptRecord` error as its record, so that the
/// worker fails that process, and reading it with ``process(_:)`` throws that error. Nothing is deleted.
///
/// ``wakeUps()`` reaches the workers of this program only: a worker using another store instance on the
/// same file notices new work at its next poll.
///
/// The class is `Sendable` without `@unchecked`: its properties are constants, and GRDB's `DatabasePool`
/// and ``WakeUpBroadcaster`` are `Sendable`.
public final class SQLiteProcessStore: ProcessStore {
    /// The path of the SQLite file.
    public let path: String
    /// How the store uses the file.
    public let configuration: Configuration

    /// The connections: one writer, several readers (WAL).
    let pool: DatabasePool
    private let broadcaster = WakeUpBroadcaster()
    /// The directory to remove when the store goes away (for ``temporary(configuration:)``).
    private let ownedDirectory: URL?

    /// Opens (creating and migrating it if needed) the store in the SQLite file at `path`.
    ///
    /// - Throws: ``ProcessStoreError`` `.unavailable` when the file cannot be opened or created (the directory
    ///   does not exist or is not writable, the file is not a SQLite database, or it was migrated by a newer
    ///   StepFlow).
    public convenience init(path: String, configuration: Configuration = Configuration()) throws {
        try self.init(path: path, configuration: configuration, ownedDirectory: nil)
    }

    /// A store in a new file in a new temporary directory, removed when the store is released: for tests and tools.
    public static func temporary(configuration: Configuration = Configuration()) throws -> SQLiteProcessStore {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("stepflow-\(UUID().uuidString.lowercased())", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ProcessStoreError(.unavailable, "cannot create a temporary directory at '\(directory.path)': \(error)")
        }
        return try SQLiteProcessStore(
            path: directory.appendingPathComponent("stepflow.sqlite").path, configuration: configuration,
            ownedDirectory: directory
        )
    }

    private init(path: String, configuration: Configuration, ownedDirectory: URL?) throws {
        self.path = path
        self.configuration = configuration
        self.ownedDirectory = ownedDirectory
        self.pool = try Self.open(path: path, configuration: configuration)
    }

    deinit {
        if let ownedDirectory {
            try? pool.close()
            try? FileManager.default.removeItem(at: ownedDirectory)
        }
    }

    private static func open(path: String, configuration: Configuration) throws -> DatabasePool {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ProcessStoreError(
                .unavailable,
                "cannot open the SQLite store at '\(path)': the directory '\(directory)' does not exist; create it or choose another path"
            )
        }
        if !configuration.keepsSQLiteMemoryStatistics { _ = SQLiteMemoryStatistics.turnedOff }
        var grdbConfiguration = GRDB.Configuration()
        grdbConfiguration.busyMode = .timeout(configuration.busyTimeout.timeInterval)
        grdbConfiguration.label = "StepFlowSQLite"
        do {
            let pool = try DatabasePool(path: path, configuration: grdbConfiguration)
            try pool.read(checkSQLiteVersion)
            let migrator = Self.migrator
            if try pool.read(migrator.hasBeenSuperseded) {
                let applied = try pool.read(migrator.appliedMigrations)
                throw ProcessStoreError(
                    .unavailable,
                    "cannot open the SQLite store at '\(path)': it was migrated by a newer StepFlow (schema "
                        + "\(applied.joined(separator: ", "))); use that version or a copy of the file"
                )
            }
            try migrator.migrate(pool)
            // GRDB sets `synchronous = NORMAL` on the writer when it enables WAL, after `prepareDatabase`:
            // the configured level is set here, once the pool is open, on the writer connection.
            // Its temporary storage (the rows a claim returns, the statement journal of a claim's multi-row
            // update) stays in memory, bounded by the batch size, rather than in a temporary file created,
            // written and deleted on every round. It plays no part in durability.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(configuration.synchronous.pragmaValue)")
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
            }
            return pool
        } catch let error as ProcessStoreError {
            throw error
        } catch {
            throw ProcessStoreError(
                .unavailable,
                "cannot open the SQLite store at '\(path)': \(error). Check that the directory '\(directory)' is "
                    + "writable and that the file, if it exists, is a StepFlow SQLite store"
            )
        }
    }

    private static func checkSQLiteVersion(_ db: Database) throws {
        let version = try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "0"
        let parts = version.split(separator: ".").compactMap { Int($0) }
        let (major, minor) = (parts.first ?? 0, parts.dropFirst().first ?? 0)
        let minimum = minimumSQLiteVersion
        guard (major, minor) >= (minimum.major, minimum.minor) else {
            throw ProcessStoreError(
                .unavailable, "SQLite \(version) is too old for the StepFlow store: it needs \(minimum.major).\(minimum.minor) or later"
            )
        }
    }

    // MARK: - Access

    /// Runs `body` in one write transaction; database errors become `.unavailable` errors naming the file.
    private func write<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch let error as DatabaseError {
            throw unavailable(operation, error)
        }
    }

    /// Runs `body` on a reader; database errors become `.unavailable` errors naming the file.
    private func read<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as DatabaseError {
            throw unavailable(operation, error)
        }
    }

    private func unavailable(_ operation: String, _ error: DatabaseError) -> ProcessStoreError {
        ProcessStoreError(.unavailable, "the SQLite store at '\(path)' could not \(operation): \(error)")
    }

    // MARK: - ProcessStore

    public func create(_ process: NewProcess) async throws -> (record: ProcessRecord, created: Bool) {
        let path = path
        let result = try await write("create process '\(process.id)'") { db in
            try Transactions.create(db, process, path: path)
        }
        if result.created { broadcaster.signal() }
        return result
    }

    public func create(_ processes: [NewProcess]) async throws -> [(record: ProcessRecord, created: Bool)] {
        let path = path
        let results = try await write("create \(processes.count) processes") { db in
            try processes.map { try Transactions.create(db, $0, path: path) }
        }
        if results.contains(where: \.created) { broadcaster.signal() }
        return results
    }

    public func process(_ id: ProcessID) async throws -> ProcessRecord? {
        let path = path
        return try await read("read process '\(id)'") { db in
            try db.cachedStatement(sql: SQL.selectProcess).fetchOneValues(arguments: [id.rawValue])
                .map { try RowReader.record($0, path: path) }
        }
    }

    public func processes(_ query: ProcessQuery) async throws -> [ProcessRecord] {
        let path = path
        return try await read("list processes") { db in
            try Transactions.processes(db, query, path: path)
        }
    }

    public func history(of id: ProcessID) async throws -> [HistoryEntry] {
        let path = path
        return try await read("read the history of process '\(id)'") { db in
            try db.cachedStatement(sql: SQL.selectHistory).fetchValues(arguments: [id.rawValue])
                .map { try RowReader.historyEntry($0, of: id, path: path) }
        }
    }

    public func claim(_ request: ClaimRequest) async throws -> [ClaimedProcess] {
        guard request.limit > 0 else { return [] }
        let path = path
        return try await write("claim processes") { db in
            try Transactions.claim(db, request, path: path)
        }
    }

    public func commit(_ updates: [ProcessUpdate]) async throws -> [CommitOutcome] {
        guard !updates.isEmpty else { return [] }
        return try await write("commit \(updates.count) updates") { db in
            try Transactions.commit(db, updates)
        }
    }

    /// Saves the updates and claims the next processes in one write transaction (one sync to disk).
    public func commit(_ updates: [ProcessUpdate], thenClaim request: ClaimRequest) async throws
        -> (outcomes: [CommitOutcome], claimed: [ClaimedProcess])
    {
        guard request.limit > 0 else { return (try await commit(updates), []) }
        let path = path
        return try await write("commit \(updates.count) updates and claim processes") { db in
            (try Transactions.commit(db, updates), try Transactions.claim(db, request, path: path))
        }
    }

    public func renewLeases(_ processes: [ProcessLeaseToken], owner: String, until: Date) async throws -> [ProcessID] {
        guard !processes.isEmpty else { return [] }
        return try await write("renew leases") { db in
            try Transactions.renewLeases(db, processes, owner: owner, until: until)
        }
    }

    public func releaseLeases(_ processes: [ProcessLeaseToken], owner: String, now: Date) async throws {
        if !processes.isEmpty {
            try await write("release leases") { db in
                try Transactions.releaseLeases(db, processes, owner: owner, now: now)
            }
        }
        broadcaster.signal()
    }

    public func execute(_ command: ProcessCommand, on id: ProcessID, now: Date, by caller: String?) async throws -> ProcessRecord {
        let path = path
        let record = try await write("apply a command to process '\(id)'") { db in
            try Transactions.execute(db, command, on: id, now: now, by: caller, path: path)
        }
        if record.wakesWorkers { broadcaster.signal() }
        return record
    }

    /// Applies the command to every process in one write transaction (one sync to disk), each with the body of the
    /// single ``execute(_:on:now:by:)``. A process that is not found or refuses the command is reported without
    /// aborting the transaction: both are found before that process's first write.
    public func execute(
        _ command: ProcessCommand, onEach ids: [ProcessID], now: Date, by caller: String?
    ) async throws -> [Result<ProcessRecord, ProcessStoreError>] {
        guard !ids.isEmpty else { return [] }
        let path = path
        let outcomes = try await write("apply a command to \(ids.count) processes") { db in
            try ids.map { id in
                try ProcessStoreError.commandOutcome {
                    try Transactions.execute(db, command, on: id, now: now, by: caller, path: path)
                }
            }
        }
        if ProcessRecord.anyWakesWorkers(outcomes) { broadcaster.signal() }
        return outcomes
    }

    public func statistics(flowName: String?) async throws -> ProcessStatistics {
        let path = path
        return try await read("count processes") { db in
            try Transactions.statistics(db, flowName: flowName, path: path)
        }
    }

    /// Deletes the processes in one write transaction; `request.exclusive` needs nothing more here, as SQLite
    /// runs one write transaction at a time.
    public func purge(_ request: PurgeRequest) async throws -> [ProcessID] {
        try await write("purge finished processes") { db in
            try Transactions.purge(db, request)
        }
    }

    /// Stores the signal and moves the due time in one write transaction; ``wakeUps()`` then yields as for a wake.
    public func sendSignal(to id: ProcessID, name: String, payload: Data, now: Date) async throws -> ProcessSignal {
        try ProcessRecord.checkSignalName(name, for: id)
        let path = path
        let sent = try await write("send the signal '\(name)' to process '\(id)'") { db in
            try Transactions.sendSignal(db, to: id, name: name, payload: payload, now: now, path: path)
        }
        if sent.wakeWorkers { broadcaster.signal() }
        return sent.signal
    }

    public func signals(of ids: [ProcessID]) async throws -> [ProcessID: [ProcessSignal]] {
        guard !ids.isEmpty else { return [:] }
        let path = path
        return try await read("read the signals of \(ids.count) processes") { db in
            try Transactions.signals(db, of: ids, path: path)
        }
    }

    public func nextDueDate() async throws -> Date? {
        try await read("read the next due date") { db in
            try Int64.fetchOne(db.cachedStatement(sql: SQL.nextDueDate)).map(Columns.date(milliseconds:))
        }
    }

    public func dueCount(now: Date) async throws -> Int {
        try await read("count due processes") { db in
            try Int.fetchOne(db.cachedStatement(sql: SQL.dueCount), arguments: [Columns.milliseconds(now)]) ?? 0
        }
    }

    public func wakeUps() -> AsyncStream<Void> {
        broadcaster.subscribe()
    }
}

extension SQLiteProcessStore {
    /// The plan SQLite chooses to list `query`'s processes (`EXPLAIN QUERY PLAN`), one line per step: shows which
    /// indexes a search uses.
    public func queryPlan(_ query: ProcessQuery) async throws -> [String] {
        try await pool.read { db in try Transactions.queryPlan(db, query) }
    }
}
