// Release-mode benchmarks of the durable runtime on the PostgreSQL store: durable throughput with 1, 2 and 4
// workers, wake-up latency with idle workers, the same latency while one slot holds a 10 s step, and the cost of a
// claim with 1,000,000 processes stored.
//
//   swift run -c release PostgresBenchmarks throughput --url postgres://… [--processes 10000] [--steps 10]
//                                                      [--workers 1,2,4] [--runs 3] [--batch 256] [--concurrency 1]
//   swift run -c release PostgresBenchmarks latency --url postgres://… [--samples 1000] [--workers 2]
//   swift run -c release PostgresBenchmarks slow-step --url postgres://… [--samples 200] [--workers 2] [--concurrency 8]
//   swift run -c release PostgresBenchmarks claim --url postgres://… [--size 1000000]
//
// Every run works in a schema of its own (`bench_<random>`), dropped at the end. Each worker has its own
// `PostgresClient`, as workers on different machines would. The server's own commit rate, to compare with, comes
// from pgbench on the same server (see POSTGRES_RESULTS.md).
import BenchmarkSupport
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import StepFlow
import StepFlowPostgres
import StepFlowRuntime
import Synchronization

struct Empty: Codable, Sendable {}

let command = arguments.first ?? "throughput"

let url: PostgresProcessStore.DatabaseURL = {
    guard let text = option("url") ?? ProcessInfo.processInfo.environment["STEPFLOW_TEST_POSTGRES_URL"],
          let url = try? PostgresProcessStore.DatabaseURL(text) else {
        print("usage: PostgresBenchmarks throughput|latency|slow-step|claim --url postgres://user@host:port/database")
        exit(2)
    }
    return url
}()

/// Runs `body` with a running client of at most `connections` connections.
func withClient<T: Sendable>(connections: Int = 4, _ body: (PostgresClient) async throws -> T) async throws -> T {
    var configuration = url.clientConfiguration
    configuration.options.maximumConnections = connections
    let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}

func execute(_ client: PostgresClient, _ sql: String) async throws -> [PostgresRow] {
    try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
}

func newSchema() -> String {
    "bench_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
}

/// `--idle-timeout-ms N` (0: the server's setting) instead of the store's default transaction idle timeout.
let transactionIdleTimeout: Duration? = option("idle-timeout-ms").flatMap { Int($0) }.map { $0 == 0 ? nil : .milliseconds($0) }
    ?? PostgresProcessStore.Configuration().transactionIdleTimeout

/// `--operation-timeout-ms N` (0: none) instead of the store's default operation deadline.
let operationTimeout: Duration? = option("operation-timeout-ms").flatMap { Int($0) }.map { $0 == 0 ? nil : .milliseconds($0) }
    ?? PostgresProcessStore.Configuration().operationTimeout

func makeStore(_ client: PostgresClient, schema: String) -> PostgresProcessStore {
    PostgresProcessStore(
        client: client,
        configuration: .init(
            schema: schema, server: url.description, transactionIdleTimeout: transactionIdleTimeout,
            operationTimeout: operationTimeout
        ),
        logger: logger
    )
}

/// The server's durability settings, printed with every figure.
func serverSettings(_ client: PostgresClient) async throws -> String {
    var settings: [String] = []
    for name in ["server_version", "synchronous_commit", "fsync", "wal_sync_method"] {
        let value = try await execute(client, "SHOW \(name)").first?.decode(String.self) ?? "?"
        settings.append("\(name)=\(value)")
    }
    return settings.joined(separator: " ")
}

/// Creates `count` processes in batches of 10,000 (one statement each); returns the seconds it took.
func create(_ store: PostgresProcessStore, count: Int, flow: String, id: (Int) -> String, state: FlowState = FlowState(),
            due: (Int) -> Date = { _ in Date() }) async throws -> Double {
    let input = try JSONEncoder().encode(Empty())
    let clock = ContinuousClock()
    let start = clock.now
    for first in stride(from: 0, to: count, by: 10_000) {
        _ = try await store.create((first..<min(count, first + 10_000)).map {
            NewProcess(id: ProcessID(id($0)), flowName: flow, input: input, data: input, state: state, now: due($0))
        })
    }
    return seconds(clock.now - start)
}

// MARK: - Throughput

func noopFlow(steps: Int) throws -> ProcessFlow<Empty, Empty> {
    try ProcessFlow<Empty, Empty>("noop.v1", initialData: { _ in Empty() }) {
        for index in 0..<steps { Do("step\(index)") { _ in } }
    }
}

/// Starts `processes` processes of `steps` no-op steps and runs `workers` workers (each with its own client)
/// until none is due; returns transitions saved per second (creation not included).
func throughput(processes: Int, steps: Int, workers: Int, batch: Int, concurrency: Int) async throws -> Double {
    let schema = newSchema()
    let flow = try noopFlow(steps: steps)
    return try await withClient { setupClient in
        let setup = makeStore(setupClient, schema: schema)
        try await setup.migrate()
        let created = try await create(setup, count: processes, flow: flow.name, id: { "p\($0)" })
        _ = try await execute(setupClient, "ANALYZE \(schema).processes")
        let settings = try await serverSettings(setupClient)
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = cpuSeconds()
        let saved = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<workers {
                group.addTask {
                    try await withClient(connections: 2) { client in
                        let worker = FlowWorker(
                            store: makeStore(client, schema: schema), registry: try FlowRegistry([flow]),
                            configuration: .init(workerID: "bench-\(index)", concurrency: concurrency, batchSize: batch),
                            logger: logger
                        )
                        return try await worker.runUntilIdle()
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = seconds(clock.now - start)
        let cpu = cpuSeconds() - cpuStart
        let completed = try await execute(setupClient, "SELECT count(*) FROM \(schema).processes WHERE status = 'completed'")
            .first?.decode(Int.self) ?? 0
        let history = try await execute(setupClient, "SELECT count(*) FROM \(schema).history").first?.decode(Int.self) ?? 0
        _ = try await execute(setupClient, "DROP SCHEMA \(schema) CASCADE")
        let rate = Double(saved) / elapsed
        print(String(
            format: "throughput workers=%d concurrency=%d batch=%d: %d x %d steps: %d transitions saved in %.2f s = %.0f transitions/s "
                + "(client CPU %.1f µs/transition; creating %d processes %.2f s; %d completed, %d history rows; %@; load %@)",
            workers, concurrency, batch, processes, steps, saved, elapsed, rate, cpu / Double(max(saved, 1)) * 1e6, processes,
            created, completed, history, settings, loadAverage()
        ))
        return rate
    }
}

func throughputRuns() async throws {
    let processes = option("processes", 10_000)
    let steps = option("steps", 10)
    let batch = option("batch", FlowWorker.Configuration().batchSize)
    let concurrency = option("concurrency", 1)
    let runs = option("runs", 3)
    for workers in list("workers", [1, 2, 4]) {
        var rates: [Double] = []
        for _ in 0..<runs {
            rates.append(try await throughput(processes: processes, steps: steps, workers: workers, batch: batch, concurrency: concurrency))
        }
        print(String(format: "throughput workers=%d: p50 of %d runs %.0f transitions/s (min %.0f, max %.0f)",
                     workers, runs, median(rates), rates.min() ?? 0, rates.max() ?? 0))
    }
}

// MARK: - Latency

/// Idle workers (each with its own client, the store's LISTEN running, idle and poll intervals of a minute); a
/// client on another connection pool starts one process at a time and the time until its first step runs is
/// measured: the wake-up goes through `NOTIFY` from the client's transaction to the workers' LISTEN connections.
func latency(samples: Int, workers: Int) async throws {
    let schema = newSchema()
    let started = StepSignal()
    let flow = try ProcessFlow<Empty, Empty>("latency.v1", initialData: { _ in Empty() }) {
        Do("mark") { context in started.ran(context.processID.rawValue) }
    }
    try await withClient { setupClient in
        let starter = makeStore(setupClient, schema: schema)
        try await starter.migrate()
        let settings = try await serverSettings(setupClient)
        let stop = StopFlag()
        var latencies: [Double] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<workers {
                group.addTask { try await runIdleWorker(index: index, schema: schema, flows: [flow], until: stop) }
            }
            try await Task.sleep(for: .seconds(1))  // the workers listen and are idle
            let client = StepFlowClient(store: starter)
            var steps = started.stream.makeAsyncIterator()
            for index in 0..<samples {
                latencies.append(try await startToRunning(flow, id: "l\(index)", input: Empty(), client: client, steps: &steps))
                try await Task.sleep(for: .milliseconds(5))  // the worker saves the step and is idle again
            }
            stop.set()
            try await group.waitForAll()
        }
        _ = try await execute(setupClient, "DROP SCHEMA \(schema) CASCADE")
        print(String(format: "latency start -> step running, %d idle workers, through NOTIFY (%d samples): p50 %.3f ms, p90 %.3f ms, "
                     + "p99 %.3f ms, max %.3f ms; %@; load %@",
                     workers, latencies.count, percentile(latencies, 0.5), percentile(latencies, 0.9), percentile(latencies, 0.99),
                     latencies.max() ?? 0, settings, loadAverage()))
    }
}

/// Set once the benchmark is over.
final class StopFlag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

/// A worker of `flows` with its own client, run as a service with its store's LISTEN until `stop` is set.
func runIdleWorker(
    index: Int, schema: String, flows: [any RegisteredFlow], concurrency: Int = 1, until stop: StopFlag
) async throws {
    try await withClient(connections: 3) { client in
        let store = makeStore(client, schema: schema)
        let worker = FlowWorker(
            store: store, registry: try FlowRegistry(flows),
            configuration: .init(
                workerID: "bench-\(index)", concurrency: concurrency, pollInterval: .seconds(60), idleInterval: .seconds(60)
            ),
            logger: logger
        )
        let services = ServiceGroup(configuration: .init(services: [store, worker], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { inner in
            inner.addTask { try await services.run() }
            while !stop.isSet { try await Task.sleep(for: .milliseconds(50)) }
            await services.triggerGracefulShutdown()
            try await inner.waitForAll()
        }
    }
}

// MARK: - A slow step

/// Issue 16's probe on PostgreSQL: `workers` workers of `concurrency` slots (each with its own client, run as
/// services with their store's LISTEN, idle and poll intervals of a minute); 100 processes of three no-op `Do`
/// steps are started at once, of which `p0`'s first step sleeps 10 s. Once the 99 fast ones are completed, and while
/// `p0`'s step still holds its slot in one of the workers, a client on another pool starts one-step processes one
/// after the other and the time from `start` to the step running is measured (the wake-up goes through `NOTIFY`).
func slowStep(samples: Int, workers: Int, concurrency: Int) async throws {
    let schema = newSchema()
    let probe = try SlowStepProbe()
    try await withClient { setupClient in
        let starter = makeStore(setupClient, schema: schema)
        try await starter.migrate()
        let settings = try await serverSettings(setupClient)
        let stop = StopFlag()
        let result = try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<workers {
                group.addTask {
                    try await runIdleWorker(index: index, schema: schema, flows: probe.flows, concurrency: concurrency, until: stop)
                }
            }
            try await Task.sleep(for: .seconds(1))  // the workers listen and are idle
            let result = try await probe.run(store: starter, client: StepFlowClient(store: starter), samples: samples)
            stop.set()
            try await group.waitForAll()
            return result
        }
        _ = try await execute(setupClient, "DROP SCHEMA \(schema) CASCADE")
        print(String(
            format: "slow-step workers=%d concurrency=%d: 99 fast processes completed after %.3f s; all 100 after %.2f s; load %@",
            workers, concurrency, seconds(result.fastDone), seconds(result.allDone), loadAverage()
        ))
        print(String(
            format: "latency start -> step running while one slot holds a 10 s step%@, %d workers, concurrency=%d, through NOTIFY "
                + "(%d samples): p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms; %@; load %@",
            result.heldThroughout ? "" : " (the slow step ended during the samples)", workers, concurrency,
            result.latencies.count, percentile(result.latencies, 0.5), percentile(result.latencies, 0.9),
            percentile(result.latencies, 0.99), result.latencies.max() ?? 0,
            settings, loadAverage()
        ))
    }
}

// MARK: - Claim cost

/// `size` processes waiting on a `WaitFor` that is never true, 1% of them (evenly spread) due now and the others in
/// an hour; a worker steps the due ones (each round claims up to a batch and saves it), then runs empty rounds.
func claimCost(size: Int) async throws {
    let schema = newSchema()
    let flow = try ProcessFlow<Empty, Empty>("wait.v1", pollIntervals: ["wait.v1/neverWaitFor": .seconds(3600)], initialData: { _ in Empty() }) {
        WaitFor("never") { _ in false }
    }
    try await withClient { client in
        let store = makeStore(client, schema: schema)
        try await store.migrate()
        let now = Date()
        let later = now.addingTimeInterval(3600)
        let created = try await create(
            store, count: size, flow: flow.name, id: { String(format: "w%08d", $0) },
            state: FlowState(events: ["start:wait.v1/neverWaitFor"]), due: { $0 % 100 == 0 ? now : later }
        )
        _ = try await execute(client, "VACUUM ANALYZE \(schema).processes")
        let tableSize = try await execute(client, "SELECT pg_size_pretty(pg_total_relation_size('\(schema).processes'))").first?.decode(String.self) ?? "?"
        let settings = try await serverSettings(client)
        print(String(format: "claim: %d processes created in %.1f s (%.0f/s; batches of 10,000); table with indexes %@; load %@",
                     size, created, Double(size) / created, tableSize, loadAverage()))
        let worker = FlowWorker(
            store: store, registry: try FlowRegistry([flow]),
            configuration: .init(workerID: "bench", pollInterval: .seconds(3600)), logger: logger
        )
        let clock = ContinuousClock()
        var rounds: [Double] = []
        var claims: [Double] = []
        var saved = 0
        while true {
            // The claim alone, then the round (claim, step, save) the worker does.
            var start = clock.now
            let claimed = try await store.claim(ClaimRequest(owner: "probe", now: Date(), leaseDuration: .milliseconds(1), limit: 256))
            claims.append(seconds(clock.now - start))
            try await store.releaseLeases(claimed.map { ProcessLeaseToken(id: $0.id, token: $0.leaseToken) }, owner: "probe", now: Date())
            start = clock.now
            let round = try await worker.runRound()
            if round.claimed == 0 { break }
            rounds.append(seconds(clock.now - start))
            saved += round.saved
        }
        var empty: [Double] = []
        var nextDue: [Double] = []
        for _ in 0..<1000 {
            var start = clock.now
            _ = try await worker.runRound()
            empty.append(seconds(clock.now - start))
            start = clock.now
            _ = try await store.nextDueDate()
            nextDue.append(seconds(clock.now - start))
        }
        print(String(
            format: "claim %d stored, %d due: %d saved in %d rounds of <= 256: round (claim, step, save) p50 %.2f ms (%.1f µs/process); "
                + "claim of 256 due p50 %.2f ms; empty round p50 %.0f µs (p99 %.0f µs); next-due query p50 %.0f µs; %@; load %@",
            size, (size + 99) / 100, saved, rounds.count, median(rounds) * 1e3, rounds.reduce(0, +) / Double(max(saved, 1)) * 1e6,
            median(Array(claims.dropLast())) * 1e3, median(empty) * 1e6, percentile(empty, 0.99) * 1e6, median(nextDue) * 1e6,
            settings, loadAverage()
        ))
        _ = try await execute(client, "DROP SCHEMA \(schema) CASCADE")
    }
}

// MARK: - Main

func run() async throws {
    switch command {
    case "throughput": try await throughputRuns()
    case "latency": try await latency(samples: option("samples", 1000), workers: option("workers", 2))
    case "slow-step":
        try await slowStep(samples: option("samples", 200), workers: option("workers", 2), concurrency: option("concurrency", 8))
    case "claim": try await claimCost(size: option("size", 1_000_000))
    default:
        print("usage: PostgresBenchmarks throughput|latency|slow-step|claim --url postgres://… [options]")
        exit(2)
    }
}

let done = DispatchSemaphore(value: 0)
Task.detached {
    do {
        try await run()
    } catch {
        print("error: \(error)")
        exit(1)
    }
    done.signal()
}
done.wait()
