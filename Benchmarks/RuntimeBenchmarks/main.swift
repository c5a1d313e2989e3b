// Release-mode benchmarks of the durable runtime on the SQLite store (issue figures: throughput, scale, latency).
//
//   swift run -c release RuntimeBenchmarks throughput [--processes 10000] [--steps 10]
//   swift run -c release RuntimeBenchmarks scale [--sizes 10000,100000,1000000]
//   swift run -c release RuntimeBenchmarks latency [--samples 1000]
//   (the disk's single-transaction commit rate, the limit to compare with: swift run -c release StoreBenchmark)
import Foundation
import Logging
import ServiceLifecycle
import StepFlow
import StepFlowRuntime
import StepFlowSQLite
import Synchronization

struct Empty: Codable, Sendable {}

var arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.isEmpty ? "all" : arguments.removeFirst()

func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count else { return fallback }
    return Int(arguments[index + 1]) ?? fallback
}

func list(_ name: String, _ fallback: [Int]) -> [Int] {
    guard let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1].split(separator: ",").compactMap { Int($0) }
}

var logger = Logger(label: "bench")
logger.logLevel = .critical

/// The resident set size of this process, in MiB (from /proc/self/statm).
func residentMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let pages = text.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

func seconds(_ duration: Duration) -> Double { duration.timeInterval }

/// A flow of `steps` no-op `Do` steps.
func noopFlow(steps: Int) throws -> ProcessFlow<Empty, Empty> {
    try ProcessFlow<Empty, Empty>("noop.v1", initialData: { _ in Empty() }) {
        for index in 0..<steps { Do("step\(index)") { _ in } }
    }
}

func throughput(synchronous: SQLiteProcessStore.Synchronous, processes: Int, steps: Int, concurrency: Int) async throws {
    let store = try SQLiteProcessStore.temporary(configuration: .init(synchronous: synchronous))
    let flow = try noopFlow(steps: steps)
    let input = try JSONEncoder().encode(Empty())
    let clock = ContinuousClock()
    let startCreate = clock.now
    let now = Date()
    try await store.create((0..<processes).map { NewProcess(id: ProcessID("p\($0)"), flowName: flow.name, input: input, data: input, now: now) })
    let created = clock.now - startCreate
    let worker = FlowWorker(
        store: store, registry: try FlowRegistry([flow]),
        configuration: .init(workerID: "bench", concurrency: concurrency, batchSize: 512), logger: logger
    )
    let start = clock.now
    let saved = try await worker.runUntilIdle()
    let elapsed = clock.now - start
    let remaining = try await store.dueCount(now: Date().addingTimeInterval(3600))
    print(String(
        format: "throughput synchronous=%@ concurrency=%d: %d processes x %d steps: %d step transitions saved in %.2f s = %.0f transitions/s (start of %d processes: %.2f s; %d left active)",
        synchronous.description, concurrency, processes, steps, saved, seconds(elapsed), Double(saved) / seconds(elapsed),
        processes, seconds(created), remaining
    ))
}

func scale(sizes: [Int]) async throws {
    let flow = try ProcessFlow<Empty, Empty>("wait.v1", pollIntervals: ["wait.v1/neverWaitFor": .seconds(3600)], initialData: { _ in Empty() }) {
        WaitFor("never") { _ in false }
    }
    for size in sizes {
        let store = try SQLiteProcessStore.temporary(configuration: .init(synchronous: .normal))
        let input = try JSONEncoder().encode(Empty())
        let later = Date().addingTimeInterval(3600)
        var created = 0
        while created < size {
            let batch = min(50_000, size - created)
            try await store.create((created..<created + batch).map {
                NewProcess(id: ProcessID(String(format: "w%08d", $0)), flowName: flow.name, input: input, data: input,
                           state: FlowState(events: ["start:wait.v1/neverWaitFor"]), now: later)
            })
            created += batch
        }
        // 1% of them due now.
        let dueCount = max(1, size / 100)
        for index in stride(from: 0, to: size, by: size / dueCount) {
            try await store.execute(.wake, on: ProcessID(String(format: "w%08d", index)), now: Date().addingTimeInterval(-1))
        }
        let worker = FlowWorker(
            store: store, registry: try FlowRegistry([flow]),
            configuration: .init(workerID: "bench", batchSize: 512, pollInterval: .seconds(3600)), logger: logger
        )
        let rssBefore = residentMiB()
        let clock = ContinuousClock()
        var start = clock.now
        let saved = try await worker.runUntilIdle()
        let dueRounds = clock.now - start
        // An empty scheduling round (nothing due) and the next-due query, averaged.
        start = clock.now
        for _ in 0..<200 {
            _ = try await worker.runRound()
            _ = try await store.nextDueDate()
        }
        let emptyRound = (clock.now - start) / 200
        print(String(
            format: "scale %8d waiting: %d due processes stepped in %.3f s (%.1f µs/step); empty round + next-due query %.1f µs; RSS %.1f MiB -> %.1f MiB",
            size, saved, seconds(dueRounds), seconds(dueRounds) / Double(max(saved, 1)) * 1e6, seconds(emptyRound) * 1e6,
            rssBefore, residentMiB()
        ))
    }
}

/// Records when the latency flow's step runs.
final class StepTimes: Sendable {
    private let times = Mutex<[String: ContinuousClock.Instant]>([:])
    func record(_ id: String) { times.withLock { $0[id] = ContinuousClock.now } }
    func time(of id: String) -> ContinuousClock.Instant? { times.withLock { $0[id] } }
}

func latency(samples: Int) async throws {
    let times = StepTimes()
    let flow = try ProcessFlow<Empty, Empty>("latency.v1", initialData: { _ in Empty() }) {
        Do("mark") { context in times.record(context.processID.rawValue) }
    }
    let store = try SQLiteProcessStore.temporary(configuration: .init(synchronous: .full))
    let client = StepFlowClient(store: store)
    let worker = FlowWorker(
        store: store, registry: try FlowRegistry([flow]),
        configuration: .init(workerID: "bench", pollInterval: .seconds(60), idleInterval: .seconds(60)), logger: logger
    )
    let group = ServiceGroup(configuration: .init(services: [worker], logger: logger))
    var latencies: [Double] = []
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        try await Task.sleep(for: .milliseconds(200))
        for index in 0..<samples {
            let id = "l\(index)"
            let start = ContinuousClock.now
            try await client.start(flow, id: ProcessID(id), input: Empty())
            while times.time(of: id) == nil { try await Task.sleep(for: .microseconds(50)) }
            latencies.append(seconds(times.time(of: id)! - start) * 1000)
            try await Task.sleep(for: .milliseconds(2))  // let the worker go idle again
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
    latencies.sort()
    func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
    print(String(format: "latency start -> step running on an idle worker (idle interval 60 s, %d samples): p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                 samples, percentile(0.5), percentile(0.99), latencies.last ?? 0))
}

switch command {
case "throughput":
    let processes = option("processes", 10_000)
    let steps = option("steps", 10)
    let concurrency = option("concurrency", 1)
    try await throughput(synchronous: .full, processes: processes, steps: steps, concurrency: concurrency)
    try await throughput(synchronous: .normal, processes: processes, steps: steps, concurrency: concurrency)
case "scale":
    try await scale(sizes: list("sizes", [10_000, 100_000, 1_000_000]))
case "latency":
    try await latency(samples: option("samples", 1000))
case "all":
    try await throughput(synchronous: .full, processes: 10_000, steps: 10, concurrency: 1)
    try await throughput(synchronous: .normal, processes: 10_000, steps: 10, concurrency: 1)
    try await latency(samples: 500)
    try await scale(sizes: [10_000, 100_000, 1_000_000])
default:
    print("usage: RuntimeBenchmarks [throughput|scale|latency|all]")
    exit(2)
}
