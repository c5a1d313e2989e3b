// Issue 11's figures: the dashboard's pages served by the real Hummingbird application over HTTP on loopback from a
// store of 1,000,000 processes, and a worker's durable throughput while 100 clients listen to the live event stream.
//
//     cd Benchmarks && swift build -c release --product ServerBenchmarks
//     .build/release/ServerBenchmarks sqlite [--size 1000000] [--samples 30] [--rounds 3] [--clients 100] [--seconds 5]
//         [--parts yes] [--keep yes]
//     .build/release/ServerBenchmarks postgres [--url postgres://…] (or STEPFLOW_TEST_POSTGRES_URL)
//
// The store is seeded with SQL (INSERT … SELECT), which is not what is measured: `size` processes of `bench.v1`
// (20 steps), 95% finished (completed, failed, cancelled) and 5% waiting for a timer in 2100 (so no worker claims
// them), at one of the 20 steps, last changed over the 30 days before the run, labelled `team=team<i % 50>` and
// `env=production|staging`. Then, with `StepFlowServer` as `stepflow serve` runs it (no token, loopback):
// - pages: `GET /processes` (the first page), `GET /` (the overview) and `GET /flows` (the flow map), each read to
//   its end over a new connection, p50 and p90 over `samples` requests after 3 to warm up; beside them, the
//   store's `statistics` (which the overview and the flow map read) timed alone, and with `--parts yes` every
//   other read of those two pages;
// - events: a worker polls 50 processes of `poll.v1` (a `WaitFor` saved at every poll) in the same program, as
//   `stepflow demo --serve` runs one; its saved steps per second are counted over `seconds` s with no client and
//   with `clients` clients reading `GET /api/v1/events`, alternately, `rounds` times each.
import BenchmarkSupport
import Foundation
import GRDB
import Hummingbird
import Logging
import PostgresNIO
import StepFlow
import StepFlowPostgres
import StepFlowRuntime
import StepFlowServer
import StepFlowSQLite
import Synchronization

let size = option("size", 1_000_000)
let samples = option("samples", 30)
let rounds = option("rounds", 3)
let clientCount = option("clients", 100)
let measureSeconds = option("seconds", 5)
let nowMilliseconds = Int64(Date().timeIntervalSince1970 * 1000)
/// The columns of `processes` the seeding fills, in the order of its values.
let columns = """
    id, flow_name, state, input, data, status, due_at, step_count, attempt, last_error, created_at, updated_at,
    lease_owner, lease_expires_at, lease_token, labels
    """
/// The statuses, labels JSON and last change (spread over 30 days) as SQL over the row number `i`.
let statusSQL = "CASE WHEN i % 20 = 0 THEN 'waiting' WHEN i % 20 = 1 THEN 'failed' WHEN i % 20 = 2 THEN 'cancelled' ELSE 'completed' END"
let errorSQL = "CASE WHEN i % 20 = 1 THEN 'step' || (i % 20) || ' failed: connection refused' END"
let labelsSQL = #"'{"env":"' || (CASE WHEN i % 2 = 0 THEN 'production' ELSE 'staging' END) || '","team":"team' || (i % 50) || '"}'"#
let updatedSQL = "\(nowMilliseconds) - i * 2592"
let stateSQL = #"'["completed:bench.v1/step' || (i % 20) || '"]'"#
/// The step of `stateSQL` (the stores' `current_step`, which they write with the state).
let stepSQL = "'step' || (i % 20)"
/// Fills `finished_counts` as the stores keep it (seeding bypasses their statements).
func finishedCountsSQL(_ prefix: String) -> String {
    """
    INSERT INTO \(prefix)finished_counts (flow_name, status, step, count)
    SELECT flow_name, status, coalesce(current_step, ''), count(*) FROM \(prefix)processes
    WHERE status IN ('completed', 'failed', 'cancelled') GROUP BY 1, 2, 3
    """
}

/// The flow of the seeded processes: 20 steps in a row.
let benchFlow = try ProcessFlow<Int, Int>("bench.v1", initialData: { _ in 0 }) {
    Do("step0") { _ in }; Do("step1") { _ in }; Do("step2") { _ in }; Do("step3") { _ in }; Do("step4") { _ in }
    Do("step5") { _ in }; Do("step6") { _ in }; Do("step7") { _ in }; Do("step8") { _ in }; Do("step9") { _ in }
    Do("step10") { _ in }; Do("step11") { _ in }; Do("step12") { _ in }; Do("step13") { _ in }; Do("step14") { _ in }
    Do("step15") { _ in }; Do("step16") { _ in }; Do("step17") { _ in }; Do("step18") { _ in }; Do("step19") { _ in }
}

/// The port the server listens on, once it does.
let listeningPort = Atomic<Int>(0)

/// The worker's polls, counted as they run.
let polls = Atomic<Int>(0)

/// The flow the worker runs: a condition polled (and saved) forever.
let pollFlow = try ProcessFlow<Int, Int>("poll.v1", initialData: { _ in 0 }) {
    WaitFor("forever") { context in
        polls.add(1, ordering: .relaxed)
        context.data += 1
        return false
    }
}

func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

func timed(_ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let began = clock.now
    try await body()
    return seconds(clock.now - began) * 1000
}

/// Serves `store` as `stepflow serve` does, measures the pages and the worker's throughput with event clients.
func measure(_ store: any ProcessStore, label: String) async throws {
    let registry = try FlowRegistry([benchFlow, pollFlow])
    let client = StepFlowClient(store: store, registry: registry)
    let server = StepFlowServer(client: client, configuration: .init(port: 0), logger: logger)
    listeningPort.store(0, ordering: .relaxed)
    let application = try server.application(onServerRunning: { listeningPort.store($0, ordering: .releasing) })
    let serving = Task { try await application.run() }
    defer { serving.cancel() }
    while listeningPort.load(ordering: .acquiring) == 0 { try await Task.sleep(for: .milliseconds(10)) }
    let serverPort = listeningPort.load(ordering: .acquiring)

    for (name, path, target) in [("list (first page)", "/processes", 100.0), ("overview", "/", 100.0), ("flow map", "/flows", 50.0)] {
        let (times, bytes) = try await LoopbackHTTP.onThread { () throws -> ([Double], Int) in
            var times: [Double] = []
            var bytes = 0
            for sample in 0..<(samples + 3) {
                let began = ContinuousClock.now
                let response = try LoopbackHTTP.get(port: serverPort, path: path)
                let elapsed = seconds(ContinuousClock.now - began) * 1000
                precondition(response.status == 200, "GET \(path): \(response.status)")
                bytes = response.bytes
                if sample >= 3 { times.append(elapsed) }
            }
            return (times, bytes)
        }
        let p50 = median(times)
        print("\(label) \(name) GET \(path) (\(size) processes, \(bytes / 1024) KiB): p50 \(format(p50)) ms, p90 \(format(percentile(times, 0.9))) ms, target ≤ \(Int(target)) ms p50: \(p50 <= target ? "met" : "MISSED") — load \(loadAverage())")
    }
    // What the overview and the flow map read, each timed alone (p50 of 5), to tell where their time goes.
    let now = Date()
    let hourAgo = now.addingTimeInterval(-3600)
    let endOfTime = Date(timeIntervalSince1970: 32_503_680_000)
    var parts: [(String, () async throws -> Void)] = [
        ("statistics (all flows)", { _ = try await client.statistics() }),
        ("statistics (one flow)", { _ = try await client.statistics(flow: benchFlow.name) }),
        ("due count and next due date", {
            _ = try await store.dueCount(now: now)
            _ = try await store.nextDueDate()
        }),
        ("failed in the last hour", {
            for try await _ in store.pages(ProcessQuery(statuses: [.failed], limit: 500, updatedAfter: hourAgo, updatedBefore: endOfTime)) {}
        }),
        ("200 changed in the last hour and their histories", {
            for record in try await store.processes(ProcessQuery(limit: 200, updatedAfter: hourAgo, updatedBefore: endOfTime)) {
                _ = try await store.history(of: record.id)
            }
        }),
        ("flow map's sample of 1000 active processes", {
            _ = try await store.processes(ProcessQuery(flowName: benchFlow.name, statuses: [.running, .waiting, .paused], limit: 1000))
        }),
        // The live event stream's read, every interval while a client listens: before issue 11's change, every active
        // process (page by page); since, the processes changed in the last 2 s.
        ("event stream's former read (every active process)", {
            for try await _ in store.pages(ProcessQuery(statuses: [.running, .waiting], limit: 500)) {}
        }),
        ("event stream's read (changed in the last 2 s)", {
            for try await _ in store.pages(ProcessQuery(limit: 500, updatedAfter: Date().addingTimeInterval(-2), updatedBefore: endOfTime)) {}
        }),
    ]
    if option("parts") == nil { parts = Array(parts.prefix(2)) }
    for (name, part) in parts {
        var times: [Double] = []
        for _ in 0..<5 { times.append(try await timed { try await part() }) }
        print("\(label) \(name) alone: p50 \(format(median(times))) ms — load \(loadAverage())")
    }

    if rounds > 0 {
        try await eventClients(store, client: client, registry: registry, port: serverPort, label: label)
    }
}

/// A worker's saved steps per second with no client and with `clientCount` clients on the event stream, alternately.
func eventClients(
    _ store: any ProcessStore, client: StepFlowClient, registry: FlowRegistry, port: Int, label: String
) async throws {
    for index in 0..<50 { try await client.start(pollFlow, id: ProcessID("poller-\(index)"), input: index) }
    let worker = FlowWorker(
        store: store, registry: registry,
        configuration: .init(workerID: "bench", concurrency: 1, batchSize: 50, pollInterval: .zero, idleInterval: .milliseconds(5)),
        logger: logger
    )
    let working = Task { try await worker.run() }
    defer { working.cancel() }
    try await Task.sleep(for: .seconds(2))
    var rates: [Int: [Double]] = [0: [], clientCount: []]
    for round in 1...rounds {
        for clients in [0, clientCount] {
            let listeners = try await LoopbackHTTP.onThread {
                try (0..<clients).map { _ in try EventListener(port: port, path: "/api/v1/events") }
            }
            let deadline = ContinuousClock.now + .seconds(30)
            while !listeners.allSatisfy(\.isConnected), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            precondition(listeners.allSatisfy(\.isConnected), "not every event client connected within 30 s")
            try await Task.sleep(for: .seconds(1))
            let eventsBefore = listeners.reduce(0) { $0 + $1.eventCount }
            let before = polls.load(ordering: .relaxed)
            let began = ContinuousClock.now
            try await Task.sleep(for: .seconds(measureSeconds))
            let elapsed = seconds(ContinuousClock.now - began)
            let rate = Double(polls.load(ordering: .relaxed) - before) / elapsed
            let events = Double(listeners.reduce(0) { $0 + $1.eventCount } - eventsBefore) / elapsed
            rates[clients, default: []].append(rate)
            print("\(label) round \(round), \(clients) event clients: worker \(format(rate, 0)) steps/s, clients received \(format(events, 0)) events/s — load \(loadAverage())")
            try await LoopbackHTTP.onThread { for listener in listeners { listener.close() } }
            try await Task.sleep(for: .seconds(1))
        }
    }
    let without = rates[0, default: []].reduce(0, +) / Double(rounds)
    let with = rates[clientCount, default: []].reduce(0, +) / Double(rounds)
    let loss = (1 - with / without) * 100
    print("\(label) worker with \(clientCount) event clients: \(format(with, 0)) steps/s against \(format(without, 0)) without (means of \(rounds) rounds): \(format(loss))% loss, target ≤ 10%: \(loss <= 10 ? "met" : "MISSED") — load \(loadAverage())")
}

func sqlite() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stepflow-server-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    // --keep: the store stays, for EXPLAIN QUERY PLAN in the sqlite3 shell.
    defer { if option("keep") == nil { try? FileManager.default.removeItem(at: directory) } }
    let path = directory.appendingPathComponent("large.sqlite").path
    if option("keep") != nil { print("sqlite: the store is \(path)") }
    let store = try SQLiteProcessStore(path: path, configuration: .init(synchronous: .normal))
    let seeding = try await timed {
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(size))
                INSERT INTO processes (\(columns), current_step)
                SELECT printf('p%08d', i), 'bench.v1', \(stateSQL), X'30', X'30', \(statusSQL),
                    CASE WHEN i % 20 = 0 THEN 4102444800000 END, 1 + i % 20, 0, \(errorSQL), \(updatedSQL) - 60000,
                    \(updatedSQL), NULL, NULL, 1, \(labelsSQL), \(stepSQL)
                FROM n;
                -- Paused and finished processes' copies of their status, step and update time (store migration v9).
                UPDATE processes SET rest_status = status, rest_step = current_step, rest_updated_at = updated_at
                WHERE status NOT IN ('running', 'waiting');
                INSERT INTO process_labels (process_id, key, value)
                SELECT p.id, j.key, j.value FROM processes AS p, json_each(p.labels) AS j;
                \(finishedCountsSQL(""));
                """)
        }
        try queue.close()
    }
    print("sqlite: seeded \(size) processes in \(format(seeding / 1000, 0)) s (no ANALYZE: as a store that was never analysed)")
    try await measure(store, label: "sqlite")
}

func postgres() async throws {
    guard let text = option("url") ?? ProcessInfo.processInfo.environment["STEPFLOW_TEST_POSTGRES_URL"],
          let url = try? PostgresProcessStore.DatabaseURL(text) else {
        print("usage: ServerBenchmarks postgres --url postgres://user@host:port/database (or STEPFLOW_TEST_POSTGRES_URL)")
        return
    }
    var configuration = url.clientConfiguration
    configuration.options.maximumConnections = 8
    let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        let schema = "bench_server_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(8)
        let store = PostgresProcessStore(
            client: client, configuration: .init(schema: schema, server: url.description, operationTimeout: nil), logger: logger
        )
        try await store.migrate()
        let seeding = try await timed {
            for sql in [
                """
                INSERT INTO \(schema).processes (\(columns), current_step)
                SELECT 'p' || lpad(i::text, 8, '0'), 'bench.v1', \(stateSQL), '\\x30'::bytea, '\\x30'::bytea, \(statusSQL),
                    CASE WHEN i % 20 = 0 THEN 4102444800000 END, 1 + i % 20, 0, \(errorSQL), \(updatedSQL) - 60000,
                    \(updatedSQL), NULL, NULL, 1, \(labelsSQL), \(stepSQL)
                FROM generate_series(1::bigint, \(size)) AS i
                """,
                """
                INSERT INTO \(schema).process_labels (process_id, key, value)
                SELECT p.id, j.key, j.value FROM \(schema).processes AS p, jsonb_each_text(p.labels::jsonb) AS j
                """,
                finishedCountsSQL("\(schema)."),
                // As autovacuum would after a bulk load: statistics, and the visibility map for index-only scans.
                "VACUUM ANALYZE \(schema).processes", "VACUUM ANALYZE \(schema).process_labels",
            ] {
                _ = try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
            }
        }
        print("postgres: seeded \(size) processes in \(format(seeding / 1000, 0)) s")
        try await measure(store, label: "postgres")
        _ = try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger).collect()
    }
}

print("ServerBenchmarks on \(ProcessInfo.processInfo.activeProcessorCount) cores — load \(loadAverage())")
switch arguments.first {
case "sqlite": try await sqlite()
case "postgres": try await postgres()
default: print("usage: ServerBenchmarks sqlite|postgres [--size 1000000] [--samples 30] [--rounds 3] [--clients 100] [--seconds 5] [--url postgres://…]")
}
exit(0)
