// Issue 10's figures on a large store: listing the first 100 processes that match one label, statistics, and
// purging finished processes while a worker saves steps.
//
//     cd Benchmarks && swift run -c release OperationsBenchmarks sqlite [--size 1000000] [--samples 100] [--purge no]
//     cd Benchmarks && swift run -c release OperationsBenchmarks postgres --url postgres://… [--size 1000000]
//
// The store is seeded with SQL (INSERT … SELECT), which is not what is measured: `size` processes of one flow, 95%
// finished (completed, failed, cancelled) and 5% waiting for a timer in 2100 (so no worker claims them), at one of
// 20 steps, labelled `team=team<i % 50>` and `env=production|staging`. Then, through the store's own API:
// - list: `processes(ProcessQuery(limit: 100, labels: ["team": …]))`, p50 and p90 over `samples` reads;
// - list by step, update time and flow (see `report`), p50 and p90 over `samples / 10` reads (with `--plans yes`, the
//   store's query plan of each), and every page of 500 at the waiting processes' step, as a bulk action reads them;
// - stats: `statistics(flowName: nil)`, p50 over 10 reads;
// - purge: a worker polls 50 processes of another flow (a `WaitFor` saved at every poll) for 5 s, then
//   `client.purge` deletes every finished process in batches of 1,000 while it keeps polling: the purge's rate, and the
//   worker's saved steps per second before and during the purge.
import BenchmarkSupport
import Foundation
import GRDB
import Logging
import PostgresNIO
import StepFlow
import StepFlowPostgres
import StepFlowRuntime
import StepFlowSQLite
import Synchronization

let size = option("size", 1_000_000)
let samples = option("samples", 100)
/// `--purge no`: list and statistics only.
let purges = option("purge") != "no"
let start = Date(timeIntervalSince1970: 1_767_225_600)
/// 3000-01-01: closes a range of update times, as the server's live event stream does.
let endOfTime = Date(timeIntervalSince1970: 32_503_680_000)
let startMilliseconds = Int64(start.timeIntervalSince1970 * 1000)
/// The columns of `processes` the seeding fills, in the order of its values.
let columns = """
    id, flow_name, state, input, data, status, due_at, step_count, attempt, last_error, created_at, updated_at,
    lease_owner, lease_expires_at, lease_token, labels
    """

/// The labels JSON and statuses, as SQL over the row number `i`.
let statusSQL = "CASE WHEN i % 20 = 0 THEN 'waiting' WHEN i % 20 = 1 THEN 'failed' WHEN i % 20 = 2 THEN 'cancelled' ELSE 'completed' END"
let labelsSQL = #"'{"env":"' || (CASE WHEN i % 2 = 0 THEN 'production' ELSE 'staging' END) || '","team":"team' || (i % 50) || '"}'"#

func timed(_ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let began = clock.now
    try await body()
    return seconds(clock.now - began) * 1000
}

func report(_ store: any ProcessStore, label: String) async throws {
    var listTimes: [Double] = []
    for sample in 0..<samples {
        let query = ProcessQuery(limit: 100, labels: ["team": "team\(sample % 50)"])
        var count = 0
        listTimes.append(try await timed { count = try await store.processes(query).count })
        precondition(count == 100, "a label query found \(count) processes, not 100")
    }
    print("\(label) list first 100 of one label (\(size) processes): p50 \(String(format: "%.2f", median(listTimes))) ms, p90 \(String(format: "%.2f", percentile(listTimes, 0.9))) ms — load \(loadAverage())")
    // Searches by the columns a save changes, read through the indexes of each group of statuses: a step only finished
    // processes are at (the claims' index is read whole and matches none), the step every waiting process is at
    // (5% of the store), the last 1,000 changes (950 finished, 50 waiting), and the flow (on PostgreSQL, where an index
    // of every process's flow costs every save an entry, read by status like the others).
    let lastChanges = start.addingTimeInterval(Double(size - 1000) / 1000)
    for (name, query, expected) in [
        ("first 100 at a finished step", ProcessQuery(limit: 100, step: "step3"), 100),
        ("first 100 at the waiting processes' step", ProcessQuery(limit: 100, step: "step0"), 100),
        ("first 100 waiting at their step", ProcessQuery(statuses: [.waiting], limit: 100, step: "step0"), 100),
        ("the last 1,000 changed", ProcessQuery(limit: 1000, updatedAfter: lastChanges, updatedBefore: endOfTime), 1000),
        ("first 100 of the flow", ProcessQuery(flowName: "deploy.v2", limit: 100), 100),
        ("first 100 waiting of the flow", ProcessQuery(flowName: "deploy.v2", statuses: [.waiting], limit: 100), 100),
    ] {
        var times: [Double] = []
        for _ in 0..<max(samples / 10, 5) {
            var count = 0
            times.append(try await timed { count = try await store.processes(query).count })
            precondition(count == expected, "\(name): found \(count) processes, not \(expected)")
        }
        if option("plans") == "yes" {
            var plan: [String] = []
            if let store = store as? PostgresProcessStore { plan = try await store.queryPlan(query) }
            if let store = store as? SQLiteProcessStore { plan = try await store.queryPlan(query) }
            print(plan.joined(separator: "\n"))
        }
        print("\(label) list \(name) (\(size) processes): p50 \(String(format: "%.2f", median(times))) ms, p90 \(String(format: "%.2f", percentile(times, 0.9))) ms — load \(loadAverage())")
    }
    // Every page of the waiting processes' step, 500 at a time, as a bulk action reads them.
    var paged = 0
    let pagesTime = try await timed {
        for try await page in store.pages(ProcessQuery(limit: 500, step: "step0")) { paged += page.count }
    }
    precondition(paged == size / 20, "the pages of the waiting processes' step held \(paged) processes, not \(size / 20)")
    print("\(label) every page of 500 at the waiting processes' step (\(paged) processes): \(String(format: "%.0f", pagesTime)) ms — load \(loadAverage())")
    var statsTimes: [Double] = []
    var total = 0
    for _ in 0..<10 {
        statsTimes.append(try await timed { total = try await store.statistics(flowName: nil).total })
    }
    precondition(total == size, "statistics counted \(total) processes, not \(size)")
    print("\(label) stats (\(size) processes): p50 \(String(format: "%.1f", median(statsTimes))) ms — load \(loadAverage())")
}

/// Runs a worker polling 50 processes on `store`, measures its steps for 5 s, then during `client.purge`.
func purge(_ store: any ProcessStore, label: String) async throws {
    let polls = Atomic<Int>(0)
    let flow = try ProcessFlow<Int, Int>("poll.v1", initialData: { _ in 0 }) {
        WaitFor("forever") { context in
            polls.add(1, ordering: .relaxed)
            context.data += 1
            return false
        }
    }
    let client = StepFlowClient(store: store, registry: try FlowRegistry([flow]))
    for index in 0..<50 { try await client.start(flow, id: ProcessID("poller-\(index)"), input: index) }
    let worker = FlowWorker(
        store: store, registry: try FlowRegistry([flow]),
        configuration: .init(workerID: "bench", concurrency: 1, batchSize: 50, pollInterval: .zero, idleInterval: .milliseconds(5)),
        logger: logger
    )
    let task = Task { try await worker.run() }
    defer { task.cancel() }
    try await Task.sleep(for: .seconds(1))
    let before = polls.load(ordering: .relaxed)
    try await Task.sleep(for: .seconds(5))
    let baseline = Double(polls.load(ordering: .relaxed) - before) / 5
    let atPurgeStart = polls.load(ordering: .relaxed)
    var deleted = 0
    let milliseconds = try await timed {
        deleted = try await client.purge(finishedBefore: Date(timeIntervalSince1970: 4_102_444_800), batchSize: 1000).deleted
    }
    let during = Double(polls.load(ordering: .relaxed) - atPurgeStart) / (milliseconds / 1000)
    print("\(label) purge: \(deleted) finished processes in \(String(format: "%.1f", milliseconds / 1000)) s = \(String(format: "%.0f", Double(deleted) / (milliseconds / 1000))) per s; worker \(String(format: "%.0f", baseline)) steps/s before, \(String(format: "%.0f", during)) steps/s during — load \(loadAverage())")
}

func sqlite() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stepflow-ops-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("large.sqlite").path
    let store = try SQLiteProcessStore(path: path, configuration: .init(synchronous: .normal))
    let seeding = try await timed {
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(size))
                INSERT INTO processes (\(columns), current_step)
                SELECT printf('p%08d', i), 'deploy.v2', '["completed:deploy.v2/step' || (i % 20) || '"]', X'7B7D', X'7B7D',
                    \(statusSQL), CASE WHEN i % 20 = 0 THEN 4102444800000 END, 5, 0, NULL, \(startMilliseconds),
                    \(startMilliseconds) + i, NULL, NULL, 1, \(labelsSQL), 'step' || (i % 20)
                FROM n;
                -- Paused and finished processes' copies of their status, step and update time (store migration v9).
                UPDATE processes SET rest_status = status, rest_step = current_step, rest_updated_at = updated_at
                WHERE status NOT IN ('running', 'waiting');
                INSERT INTO process_labels (process_id, key, value)
                SELECT p.id, j.key, j.value FROM processes AS p, json_each(p.labels) AS j;
                -- The finished processes' counts, as the store's statements keep them (and its migration v6 fills them).
                DELETE FROM finished_counts;
                INSERT INTO finished_counts (flow_name, status, step, count)
                SELECT flow_name, status, coalesce(current_step, ''), count(*) FROM processes
                WHERE status IN ('completed', 'failed', 'cancelled') GROUP BY 1, 2, 3;
                """)
        }
        try queue.close()
    }
    print("sqlite: seeded \(size) processes in \(String(format: "%.0f", seeding / 1000)) s")
    try await report(store, label: "sqlite")
    if purges { try await purge(store, label: "sqlite") }
}

func postgres() async throws {
    guard let text = option("url") ?? ProcessInfo.processInfo.environment["STEPFLOW_TEST_POSTGRES_URL"],
          let url = try? PostgresProcessStore.DatabaseURL(text) else {
        print("usage: OperationsBenchmarks postgres --url postgres://user@host:port/database")
        return
    }
    var configuration = url.clientConfiguration
    configuration.options.maximumConnections = 4
    let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        let schema = "bench_ops_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(8)
        let store = PostgresProcessStore(
            client: client, configuration: .init(schema: schema, server: url.description, operationTimeout: nil), logger: logger
        )
        try await store.migrate()
        let seeding = try await timed {
            for sql in [
                """
                INSERT INTO \(schema).processes (\(columns), current_step)
                SELECT 'p' || lpad(i::text, 8, '0'), 'deploy.v2', '["completed:deploy.v2/step' || (i % 20) || '"]',
                    '\\x7b7d'::bytea, '\\x7b7d'::bytea, \(statusSQL), CASE WHEN i % 20 = 0 THEN 4102444800000 END, 5, 0, NULL,
                    \(startMilliseconds), \(startMilliseconds) + i, NULL, NULL, 1, \(labelsSQL), 'step' || (i % 20)
                FROM generate_series(1, \(size)) AS i
                """,
                """
                INSERT INTO \(schema).process_labels (process_id, key, value)
                SELECT p.id, j.key, j.value FROM \(schema).processes AS p, jsonb_each_text(p.labels::jsonb) AS j
                """,
                // The finished processes' counts, as the store's statements keep them (and its migration 7 fills them).
                """
                INSERT INTO \(schema).finished_counts (flow_name, status, step, count)
                SELECT flow_name, status, coalesce(current_step, ''), count(*) FROM \(schema).processes
                WHERE status IN ('completed', 'failed', 'cancelled') GROUP BY 1, 2, 3
                """,
                // As autovacuum would after a bulk load: statistics, and the visibility map for index-only scans.
                "VACUUM ANALYZE \(schema).processes", "VACUUM ANALYZE \(schema).process_labels",
            ] {
                _ = try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
            }
        }
        print("postgres: seeded \(size) processes in \(String(format: "%.0f", seeding / 1000)) s")
        try await report(store, label: "postgres")
        if purges { try await purge(store, label: "postgres") }
        _ = try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger).collect()
    }
}

switch arguments.first {
case "sqlite": try await sqlite()
case "postgres": try await postgres()
default: print("usage: OperationsBenchmarks sqlite|postgres [--size 1000000] [--samples 100] [--url postgres://…]")
}
