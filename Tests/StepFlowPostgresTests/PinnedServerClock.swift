import Foundation
import PostgresNIO
import StepFlowPostgres
import StepFlowRuntime
import StepFlowTesting

/// The server's clock of one test schema, set by the test.
///
/// The store reads the time only through its schema's `now_ms()` function; this replaces that function by one that
/// reads a one-row table, so a test moves the server's time (ten minutes, a day) without waiting and without
/// touching the real server's clock. Every statement of the store still runs as in production: only the source of
/// `now_ms()` changes.
struct PinnedServerClock {
    let session: TestDatabase.Session
    let schema: String

    /// Pins the clock of `store`'s schema to `start`.
    init(_ store: PostgresProcessStore, in session: TestDatabase.Session, start: Date) async throws {
        self.session = session
        self.schema = store.configuration.schema
        try await session.execute("CREATE TABLE \(schema).test_clock (now_ms bigint NOT NULL)")
        try await session.execute("INSERT INTO \(schema).test_clock VALUES (\(Self.milliseconds(start)))")
        try await session.execute("""
            CREATE OR REPLACE FUNCTION \(schema).now_ms() RETURNS bigint LANGUAGE sql VOLATILE
            AS $$ SELECT now_ms FROM \(schema).test_clock $$
            """)
    }

    /// Sets the server's time.
    func set(_ date: Date) async throws {
        try await session.execute("UPDATE \(schema).test_clock SET now_ms = \(Self.milliseconds(date))")
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
}

/// A machine's clock, `offset` away from a shared base clock: machines whose clocks disagree, while time passes at
/// the same rate for all of them.
struct SkewedClock: RuntimeClock {
    let base: any RuntimeClock
    let offset: Duration

    var now: Date { base.now.addingTimeInterval(offset.timeInterval) }
    var uptime: Duration { base.uptime }

    func sleep(until deadline: Date) async throws {
        try await base.sleep(until: deadline.addingTimeInterval(-offset.timeInterval))
    }
}

/// Server time and the machines' clocks moved together: a pinned server clock and a manual clock every machine's
/// clock is skewed from.
struct TestTime {
    let server: PinnedServerClock
    let manual: ManualClock
    private(set) var serverNow: Date

    init(_ store: PostgresProcessStore, in session: TestDatabase.Session, start: Date) async throws {
        server = try await PinnedServerClock(store, in: session, start: start)
        manual = ManualClock(start: start)
        serverNow = start
    }

    /// A machine whose clock is `offset` from the server's.
    func machine(_ offset: Duration) -> SkewedClock { SkewedClock(base: manual, offset: offset) }

    /// Lets `duration` pass on the server and on every machine.
    mutating func advance(by duration: Duration) async throws {
        serverNow = serverNow.addingTimeInterval(duration.timeInterval)
        try await server.set(serverNow)
        manual.advance(by: duration)
    }
}

/// The PostgreSQL store with its server clock pinned to the time each call passes: the conformance suite drives
/// stores with fixed dates, and this lets it check the real statements, which read only the server's time.
struct ServerTimeFollowingStore: ProcessStore {
    let store: PostgresProcessStore
    let clock: PinnedServerClock

    private func at(_ now: Date) async throws { try await clock.set(now) }

    func create(_ process: NewProcess) async throws -> (record: ProcessRecord, created: Bool) {
        try await at(process.now)
        return try await store.create(process)
    }

    func create(_ processes: [NewProcess]) async throws -> [(record: ProcessRecord, created: Bool)] {
        if let first = processes.first { try await at(first.now) }
        return try await store.create(processes)
    }

    func process(_ id: ProcessID) async throws -> ProcessRecord? { try await store.process(id) }
    func processes(_ query: ProcessQuery) async throws -> [ProcessRecord] { try await store.processes(query) }
    func history(of id: ProcessID) async throws -> [HistoryEntry] { try await store.history(of: id) }

    func claim(_ request: ClaimRequest) async throws -> [ClaimedProcess] {
        try await at(request.now)
        return try await store.claim(request)
    }

    func commit(_ updates: [ProcessUpdate]) async throws -> [CommitOutcome] {
        if let first = updates.first { try await at(first.now) }
        return try await store.commit(updates)
    }

    func commit(_ updates: [ProcessUpdate], thenClaim request: ClaimRequest) async throws
        -> (outcomes: [CommitOutcome], claimed: [ClaimedProcess])
    {
        try await at(request.now)
        return try await store.commit(updates, thenClaim: request)
    }

    func renewLeases(_ processes: [ProcessLeaseToken], owner: String, until: Date) async throws -> [ProcessID] {
        try await store.renewLeases(processes, owner: owner, until: until)
    }

    func renewLeases(_ processes: [ProcessLeaseToken], owner: String, now: Date, for duration: Duration) async throws -> [ProcessID] {
        try await at(now)
        return try await store.renewLeases(processes, owner: owner, now: now, for: duration)
    }

    func releaseLeases(_ processes: [ProcessLeaseToken], owner: String, now: Date) async throws {
        try await at(now)
        try await store.releaseLeases(processes, owner: owner, now: now)
    }

    func execute(_ command: ProcessCommand, on id: ProcessID, now: Date, by caller: String?) async throws -> ProcessRecord {
        try await at(now)
        return try await store.execute(command, on: id, now: now, by: caller)
    }

    func execute(
        _ command: ProcessCommand, onEach ids: [ProcessID], now: Date, by caller: String?
    ) async throws -> [Result<ProcessRecord, ProcessStoreError>] {
        try await at(now)
        return try await store.execute(command, onEach: ids, now: now, by: caller)
    }

    func statistics(flowName: String?) async throws -> ProcessStatistics { try await store.statistics(flowName: flowName) }
    func purge(_ request: PurgeRequest) async throws -> [ProcessID] { try await store.purge(request) }

    func sendSignal(to id: ProcessID, name: String, payload: Data, now: Date) async throws -> ProcessSignal {
        try await at(now)
        return try await store.sendSignal(to: id, name: name, payload: payload, now: now)
    }

    func signals(of ids: [ProcessID]) async throws -> [ProcessID: [ProcessSignal]] { try await store.signals(of: ids) }
    func nextDueDate() async throws -> Date? { try await store.nextDueDate() }

    func dueCount(now: Date) async throws -> Int {
        try await at(now)
        return try await store.dueCount(now: now)
    }

    func serverTime() async throws -> Date? { try await store.serverTime() }
    func wakeUps() -> AsyncStream<Void> { store.wakeUps() }
}
