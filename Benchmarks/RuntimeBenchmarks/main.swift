// Release-mode benchmarks of the durable runtime on the SQLite store (issue figures: throughput, scale, latency).
//
//   swift run -c release RuntimeBenchmarks throughput [--processes 10000] [--steps 10] [--concurrency 1]
//                                                     [--batch 256] [--sync both|full|normal] [--runs 3] [--service]
//                                                     [--data empty|unchanged|counter]
//   swift run -c release RuntimeBenchmarks phases [--processes 10000] [--steps 10] [--batch 256] [--sync full|normal]
//   swift run -c release RuntimeBenchmarks scale [--sizes 10000,100000,1000000]
//   swift run -c release RuntimeBenchmarks latency [--samples 1000]
//   swift run -c release RuntimeBenchmarks slow-step [--concurrency 8] [--samples 200] [--sync full|normal]
//   swift run -c release RuntimeBenchmarks spread [--processes 10000] [--steps 3] [--concurrency 64] [--rate N]
//                                                 [--sync full|normal]
//   swift run -c release RuntimeBenchmarks tracing [--processes 2000] [--steps 10] [--runs 5]
//   swift run -c release RuntimeBenchmarks all
//
// `spread` reports the time from due to saved of every step: due is when the `create` call of the step's process
// returned (first step) or when the commit that saved its previous step returned; saved is when the commit that
// saved the step's result returned to the worker, seen by wrapping the store (`TimedStore`). See `spread(...)`.
//   (the disk's single-transaction commit rate, the limit to compare with: swift run -c release StoreBenchmark)
import BenchmarkSupport
import Foundation
import Logging
import ServiceLifecycle
import StepFlow
import StepFlowRuntime
import StepFlowSQLite
import Synchronization

struct Empty: Codable, Sendable {}

let command = arguments.first ?? "all"

/// A flow of `steps` no-op `Do` steps; the last one calls `last` (to count completions without asking the store).
func noopFlow(steps: Int, last: @escaping @Sendable () -> Void = {}) throws -> ProcessFlow<Empty, Empty> {
    try ProcessFlow<Empty, Empty>("noop.v1", initialData: { _ in Empty() }) {
        for index in 0..<steps - 1 { Do("step\(index)") { _ in } }
        Do("step\(steps - 1)") { _ in last() }
    }
}

/// Data with fields, changed by every step of ``countingFlow(steps:last:)``.
struct Counter: Codable, Sendable {
    var count = 0
    var note = "started"
}

/// Like ``noopFlow(steps:last:)``, but each step changes the process's data (so its JSON is decoded, encoded
/// and saved at every step): `--data counter`.
func countingFlow(steps: Int, last: @escaping @Sendable () -> Void = {}) throws -> ProcessFlow<Empty, Counter> {
    try ProcessFlow<Empty, Counter>("counting.v1", initialData: { _ in Counter() }) {
        for index in 0..<steps - 1 {
            Do("step\(index)") { context in
                context.data.count += 1
                context.data.note = "step \(index)"
            }
        }
        Do("step\(steps - 1)") { context in
            context.data.count += 1
            last()
        }
    }
}

/// Like ``noopFlow(steps:last:)``, with data that has a field the steps leave as it is (`--data unchanged`): its JSON
/// is decoded and encoded at every step, but not saved again.
func unchangedDataFlow(steps: Int, last: @escaping @Sendable () -> Void = {}) throws -> ProcessFlow<Empty, Counter> {
    try ProcessFlow<Empty, Counter>("unchanged.v1", initialData: { _ in Counter() }) {
        for index in 0..<steps - 1 { Do("step\(index)") { _ in } }
        Do("step\(steps - 1)") { _ in last() }
    }
}

/// The throughput benchmark's flow (`--data empty`, the default, `unchanged` or `counter`), with its input's and
/// initial data's JSON.
func throughputFlow(steps: Int, last: @escaping @Sendable () -> Void = {}) throws -> (flow: any RegisteredFlow, input: Data, data: Data) {
    let input = try JSONEncoder().encode(Empty())
    switch option("data") {
    case "counter": return (try countingFlow(steps: steps, last: last), input, try JSONEncoder().encode(Counter()))
    case "unchanged": return (try unchangedDataFlow(steps: steps, last: last), input, try JSONEncoder().encode(Counter()))
    default: return (try noopFlow(steps: steps, last: last), input, input)
    }
}

// MARK: - Throughput

/// Starts `processes` processes of `steps` no-op steps and runs a worker until all are completed;
/// returns step transitions saved per second (creation not included).
func throughput(
    synchronous: SQLiteProcessStore.Synchronous, processes: Int, steps: Int, concurrency: Int, batch: Int
) async throws -> Double {
    let store = try SQLiteProcessStore.temporary(configuration: .init(synchronous: synchronous))
    let (flow, input, data) = try throughputFlow(steps: steps)
    let clock = ContinuousClock()
    let startCreate = clock.now
    let now = Date()
    _ = try await store.create((0..<processes).map {
        NewProcess(id: ProcessID("p\($0)"), flowName: flow.name, input: input, data: data, now: now)
    })
    let created = clock.now - startCreate
    let worker = FlowWorker(
        store: store, registry: try FlowRegistry([flow]),
        configuration: .init(workerID: "bench", concurrency: concurrency, batchSize: batch), logger: logger
    )
    let start = clock.now
    let cpuStart = cpuSeconds()
    let saved = try await worker.runUntilIdle()
    let elapsed = clock.now - start
    let cpu = cpuSeconds() - cpuStart
    let remaining = try await store.dueCount(now: Date().addingTimeInterval(3600))
    let completed = try await store.processes(ProcessQuery(statuses: [.completed], limit: processes + 1)).count
    let rate = Double(saved) / seconds(elapsed)
    print(String(
        format: "throughput data=%@ synchronous=%@ concurrency=%d batch=%d: %d x %d steps: %d transitions saved in %.2f s = %.0f transitions/s "
            + "(CPU %.1f µs/transition; creating %d processes: %.2f s; %d completed, %d left active; load %@)",
        option("data") ?? "empty", synchronous.description, concurrency, batch, processes, steps, saved, seconds(elapsed), rate,
        cpu / Double(max(saved, 1)) * 1e6, processes, seconds(created), completed, remaining, loadAverage()
    ))
    return rate
}

/// The same figure through the worker's own loop (`FlowWorker.run()` in a `ServiceGroup`), from the start of the
/// processes — one `create` call, which wakes the idle worker — to the last one saved completed, creation included.
func serviceThroughput(
    synchronous: SQLiteProcessStore.Synchronous, processes: Int, steps: Int, concurrency: Int, batch: Int
) async throws -> Double {
    let store = try SQLiteProcessStore.temporary(configuration: .init(synchronous: synchronous))
    let lastSteps = Atomic<Int>(0)
    let (flow, input, data) = try throughputFlow(steps: steps) { lastSteps.add(1, ordering: .relaxed) }
    let worker = FlowWorker(
        store: store, registry: try FlowRegistry([flow]),
        configuration: .init(workerID: "bench", concurrency: concurrency, batchSize: batch), logger: logger
    )
    let group = ServiceGroup(configuration: .init(services: [worker], logger: logger))
    let clock = ContinuousClock()
    var elapsed = Duration.zero
    var cpu = 0.0
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        try await Task.sleep(for: .milliseconds(200))  // the worker is idle
        let start = clock.now
        let cpuStart = cpuSeconds()
        let now = Date()
        _ = try await store.create((0..<processes).map {
            NewProcess(id: ProcessID("p\($0)"), flowName: flow.name, input: input, data: data, now: now)
        })
        // Every last step has run; then its save is committed when no process is active any more.
        while lastSteps.load(ordering: .relaxed) < processes { try await Task.sleep(for: .milliseconds(1)) }
        while try await store.nextDueDate() != nil { try await Task.sleep(for: .milliseconds(1)) }
        elapsed = clock.now - start
        cpu = cpuSeconds() - cpuStart
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
    let completed = try await store.processes(ProcessQuery(statuses: [.completed], limit: processes + 1)).count
    let transitions = processes * steps
    let rate = Double(transitions) / seconds(elapsed)
    print(String(
        format: "throughput (worker service) data=%@ synchronous=%@ concurrency=%d batch=%d: %d x %d steps, from start to all completed: %d transitions in %.2f s = %.0f transitions/s "
            + "(CPU %.1f µs/transition; %d completed; load %@)",
        option("data") ?? "empty", synchronous.description, concurrency, batch, processes, steps, transitions, seconds(elapsed), rate,
        cpu / Double(transitions) * 1e6, completed, loadAverage()
    ))
    return rate
}

func throughputRuns() async throws {
    let processes = option("processes", 10_000)
    let steps = option("steps", 10)
    let concurrency = option("concurrency", 1)
    let batch = option("batch", FlowWorker.Configuration().batchSize)
    let runs = option("runs", 3)
    let levels: [SQLiteProcessStore.Synchronous] = switch option("sync") {
    case "full": [.full]
    case "normal": [.normal]
    default: [.full, .normal]
    }
    for level in levels {
        var rates: [Double] = []
        let service = arguments.contains("--service")
        for _ in 0..<runs {
            rates.append(try await (service ? serviceThroughput : throughput)(level, processes, steps, concurrency, batch))
        }
        print(String(format: "throughput%@ data=%@ synchronous=%@ concurrency=%d batch=%d: p50 of %d runs %.0f transitions/s (min %.0f, max %.0f)",
                     service ? " (worker service)" : "", option("data") ?? "empty", level.description, concurrency, batch, runs, median(rates), rates.min() ?? 0, rates.max() ?? 0))
    }
}

/// Where the time of a worker's rounds goes: the worker's round done by hand (claim, advance each, commit), timed.
func phases(synchronous: SQLiteProcessStore.Synchronous, processes: Int, steps: Int, batch: Int) async throws {
    let store = try SQLiteProcessStore.temporary(configuration: .init(synchronous: synchronous))
    let flow = try noopFlow(steps: steps)
    let input = try JSONEncoder().encode(Empty())
    let now = Date()
    _ = try await store.create((0..<processes).map {
        NewProcess(id: ProcessID("p\($0)"), flowName: flow.name, input: input, data: input, now: now)
    })
    let clock = ContinuousClock()
    var (claimTime, stepTime, commitTime) = (Duration.zero, Duration.zero, Duration.zero)
    var (rounds, saved) = (0, 0)
    let total = clock.now
    let cpuStart = cpuSeconds()
    func request() -> ClaimRequest { ClaimRequest(owner: "bench", now: Date(), leaseDuration: .seconds(60), limit: batch) }
    var start = clock.now
    var claimed = try await store.claim(request())
    claimTime += clock.now - start
    while !claimed.isEmpty {
        let now = Date()
        start = clock.now
        var updates: [ProcessUpdate] = []
        for process in claimed {
            updates.append(await flow.advance(
                try process.record.get(), leaseToken: process.leaseToken, now: now, worker: "bench",
                defaultPollInterval: .seconds(5), logger: logger
            ))
        }
        stepTime += clock.now - start
        start = clock.now
        let outcomes: [CommitOutcome]
        (outcomes, claimed) = try await store.commit(updates, thenClaim: request())
        saved += outcomes.count
        commitTime += clock.now - start
        rounds += 1
    }
    let elapsed = seconds(clock.now - total)
    let cpu = cpuSeconds() - cpuStart
    func share(_ duration: Duration) -> String {
        String(format: "%.2f s (%.1f µs/step)", seconds(duration), seconds(duration) / Double(saved) * 1e6)
    }
    print("phases synchronous=\(synchronous) batch=\(batch): \(saved) steps in \(rounds) rounds, "
        + String(format: "%.2f s = %.0f/s, CPU %.1f µs/step", elapsed, Double(saved) / elapsed, cpu / Double(saved) * 1e6)
        + "; first claim \(share(claimTime)), steps \(share(stepTime)), commit and claim \(share(commitTime)); load \(loadAverage())")
}

// MARK: - Scale

/// The flow of the scale benchmark: one `WaitFor` that is never true, checked again an hour later.
func waitFlow() throws -> ProcessFlow<Empty, Empty> {
    try ProcessFlow<Empty, Empty>("wait.v1", pollIntervals: ["wait.v1/neverWaitFor": .seconds(3600)], initialData: { _ in Empty() }) {
        WaitFor("never") { _ in false }
    }
}

/// For each size: a store file with that many processes waiting on a `WaitFor`, 1% of them (evenly spread) due
/// now and the others in an hour, made in this program; then a worker measured in a new program that only opens
/// the file (`scale-rounds`), so that its resident memory is the worker's and not that of the creation.
func scale(sizes: [Int]) async throws {
    let flow = try waitFlow()
    let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    for size in sizes {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("stepflow-scale-\(UUID().uuidString.lowercased())", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("stepflow.sqlite").path
        let clock = ContinuousClock()
        let createStart = clock.now
        do {
            let store = try SQLiteProcessStore(path: path, configuration: .init(synchronous: .normal))
            let input = try JSONEncoder().encode(Empty())
            let now = Date()
            let later = now.addingTimeInterval(3600)
            var created = 0
            while created < size {
                let batch = min(50_000, size - created)
                _ = try await store.create((created..<created + batch).map {
                    NewProcess(id: ProcessID(String(format: "w%08d", $0)), flowName: flow.name, input: input, data: input,
                               state: FlowState(events: ["start:wait.v1/neverWaitFor"]), now: $0 % 100 == 0 ? now : later)
                })
                created += batch
            }
        }
        let createTime = seconds(clock.now - createStart)
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        print(String(format: "scale %d processes created in %.1f s with store.create([NewProcess]) in batches of 50,000 (%.0f processes/s); file %.0f MiB; load %@",
                     size, createTime, Double(size) / createTime, Double(fileSize) / 1_048_576, loadAverage()))
        fflush(nil)  // this program's lines before the child's
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = ["scale-rounds", "--path", path, "--size", "\(size)"]
        try child.run()
        child.waitUntilExit()
        guard child.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
    }
}

/// The worker's side of ``scale(sizes:)``, in a program that only opens the store (default durability, FULL).
func scaleRounds(path: String, size: Int) async throws {
    let rssAtStart = residentMiB()
    let store = try SQLiteProcessStore(path: path)
    let worker = FlowWorker(
        store: store, registry: try FlowRegistry([waitFlow()]),
        configuration: .init(workerID: "bench", pollInterval: .seconds(3600)), logger: logger
    )
    let clock = ContinuousClock()
    let rssOpen = residentMiB()
    // The rounds that step the due processes (each checks the WaitFor once and reschedules it an hour later).
    var rounds: [Double] = []
    var saved = 0
    while true {
        let start = clock.now
        let round = try await worker.runRound()
        if round.claimed == 0 { break }
        rounds.append(seconds(clock.now - start))
        saved += round.saved
    }
    let rssAfterDue = residentMiB()
    // What an idle worker does: a round that claims nothing, then the next-due query; and the backlog count it
    // takes once a second. Each timed alone.
    var empty: [Double] = []
    var nextDue: [Double] = []
    var dueCounts: [Double] = []
    for _ in 0..<1000 {
        var start = clock.now
        _ = try await worker.runRound()
        empty.append(seconds(clock.now - start))
        start = clock.now
        _ = try await store.nextDueDate()
        nextDue.append(seconds(clock.now - start))
        start = clock.now
        _ = try await store.dueCount(now: Date())
        dueCounts.append(seconds(clock.now - start))
    }
    print(String(
        format: "scale %8d waiting, %d due: %d saved in %d rounds of <= %d, round p50 %.2f ms (%.1f µs/process); "
            + "empty round p50 %.1f µs, next-due query p50 %.1f µs, due count p50 %.1f µs; "
            + "RSS %.1f MiB at start -> %.1f MiB store open -> %.1f MiB after due rounds -> %.1f MiB after 1,000 empty rounds; load %@",
        size, (size + 99) / 100, saved, rounds.count, worker.configuration.batchSize, median(rounds) * 1e3,
        rounds.reduce(0, +) / Double(max(saved, 1)) * 1e6, median(empty) * 1e6, median(nextDue) * 1e6,
        median(dueCounts) * 1e6, rssAtStart, rssOpen, rssAfterDue, residentMiB(), loadAverage()
    ))
}

// MARK: - Latency

/// The processes whose `WaitFor` is true.
final class Gate: Sendable {
    private let open = Mutex<Set<String>>([])
    func opens(_ id: String) { _ = open.withLock { $0.insert(id) } }
    func isOpen(_ id: String) -> Bool { open.withLock { $0.contains(id) } }
}

func percentiles(_ name: String, _ values: [Double]) {
    let sorted = values.sorted()
    func at(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
    print(String(format: "latency %@ (%d samples): p50 %.3f ms, p99 %.3f ms, max %.3f ms; load %@",
                 name, sorted.count, at(0.5), at(0.99), sorted.last ?? 0, loadAverage()))
}

func latency(samples: Int, synchronous: SQLiteProcessStore.Synchronous) async throws {
    let started = StepSignal()
    let woken = StepSignal()
    let gate = Gate()
    let startFlow = try ProcessFlow<Empty, Empty>("latency.v1", initialData: { _ in Empty() }) {
        Do("mark") { context in started.ran(context.processID.rawValue) }
    }
    let wakeFlow = try ProcessFlow<Empty, Empty>("wake.v1", initialData: { _ in Empty() }) {
        WaitFor("gate") { context in
            let id = context.processID.rawValue
            if gate.isOpen(id) {
                woken.ran(id)
                return true
            }
            started.ran(id)
            return false
        }
    }
    let store = try SQLiteProcessStore.temporary(configuration: .init(synchronous: synchronous))
    let client = StepFlowClient(store: store)
    // Poll and idle intervals of a minute: a figure below that comes from the wake-up, not from polling.
    let worker = FlowWorker(
        store: store, registry: try FlowRegistry([startFlow, wakeFlow]),
        configuration: .init(workerID: "bench", pollInterval: .seconds(60), idleInterval: .seconds(60)), logger: logger
    )
    let group = ServiceGroup(configuration: .init(services: [worker], logger: logger))
    var startLatencies: [Double] = []
    var wakeLatencies: [Double] = []
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        try await Task.sleep(for: .milliseconds(200))
        var steps = started.stream.makeAsyncIterator()
        var wakes = woken.stream.makeAsyncIterator()
        for index in 0..<samples {
            // start -> first step running
            startLatencies.append(try await startToRunning(startFlow, id: "l\(index)", input: Empty(), client: client, steps: &steps))
            // a process waiting on a WaitFor (next check in a minute) -> wake -> the WaitFor runs again
            let waiting = "w\(index)"
            _ = try await client.start(wakeFlow, id: ProcessID(waiting), input: Empty())
            guard let (firstID, _) = await steps.next(), firstID == waiting else { fatalError("unexpected step") }
            try await Task.sleep(for: .milliseconds(3))  // the worker saves the check and goes idle again
            gate.opens(waiting)
            let start = ContinuousClock.now
            _ = try await client.wake(ProcessID(waiting))
            guard let (wokenID, wokenAt) = await wakes.next(), wokenID == waiting else { fatalError("unexpected wake") }
            wakeLatencies.append(seconds(wokenAt - start) * 1000)
            try await Task.sleep(for: .milliseconds(3))  // let the worker go idle again
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
    percentiles("start -> step running, idle worker, synchronous=\(synchronous)", startLatencies)
    percentiles("wake of a waiting process -> step running, idle worker, synchronous=\(synchronous)", wakeLatencies)
}

// MARK: - A slow step

/// The probe of issue 16: 100 processes of three no-op `Do` steps, of which `p0`'s first step sleeps 10 s, on a
/// worker of `concurrency` slots. Reports the time from their start (one `create` call) until the 99 fast ones are
/// completed, and then, while `p0`'s step still holds its slot, the time from starting a one-step process to its
/// step running (`samples` of them, one after the other).
func slowStep(concurrency: Int, samples: Int, synchronous: SQLiteProcessStore.Synchronous) async throws {
    let probe = try SlowStepProbe()
    let store = try SQLiteProcessStore.temporary(configuration: .init(synchronous: synchronous))
    let worker = FlowWorker(
        store: store, registry: try FlowRegistry(probe.flows),
        configuration: .init(workerID: "bench", concurrency: concurrency, pollInterval: .seconds(60), idleInterval: .seconds(60)),
        logger: logger
    )
    let group = ServiceGroup(configuration: .init(services: [worker], logger: logger))
    let result = try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        try await Task.sleep(for: .milliseconds(200))  // the worker is idle
        let result = try await probe.run(store: store, client: StepFlowClient(store: store), samples: samples)
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return result
    }
    print(String(
        format: "slow-step synchronous=%@ concurrency=%d: 99 fast processes completed after %.3f s; all 100 after %.2f s; load %@",
        synchronous.description, concurrency, seconds(result.fastDone), seconds(result.allDone), loadAverage()
    ))
    percentiles(
        "start -> step running while one slot holds a 10 s step\(result.heldThroughout ? "" : " (the slow step ended during the samples)"), "
            + "concurrency=\(concurrency), synchronous=\(synchronous)", result.latencies
    )
}

// MARK: - A spread of step latencies

/// Records, for each ``TimedStore`` it wraps, when each process's results were saved.
final class SaveTimes: Sendable {
    /// Called with the processes whose updates a commit saved, right after the commit returned.
    let record: @Sendable ([ProcessID], ContinuousClock.Instant) -> Void
    init(_ record: @escaping @Sendable ([ProcessID], ContinuousClock.Instant) -> Void) { self.record = record }
}

/// A store that hands the processes each commit saved, and the instant the commit returned, to `saves`; everything
/// else goes to `base` unchanged (the worker's combined save-and-claim stays one call of `base`).
struct TimedStore: ProcessStore {
    let base: any ProcessStore
    let saves: SaveTimes

    private func note(_ updates: [ProcessUpdate], _ outcomes: [CommitOutcome]) {
        let now = ContinuousClock.now
        saves.record(zip(updates, outcomes).compactMap { $1 == .saved ? $0.id : nil }, now)
    }

    func create(_ process: NewProcess) async throws -> (record: ProcessRecord, created: Bool) { try await base.create(process) }
    func create(_ processes: [NewProcess]) async throws -> [(record: ProcessRecord, created: Bool)] { try await base.create(processes) }
    func process(_ id: ProcessID) async throws -> ProcessRecord? { try await base.process(id) }
    func processes(_ query: ProcessQuery) async throws -> [ProcessRecord] { try await base.processes(query) }
    func history(of id: ProcessID) async throws -> [HistoryEntry] { try await base.history(of: id) }
    func claim(_ request: ClaimRequest) async throws -> [ClaimedProcess] { try await base.claim(request) }
    func commit(_ updates: [ProcessUpdate]) async throws -> [CommitOutcome] {
        let outcomes = try await base.commit(updates)
        note(updates, outcomes)
        return outcomes
    }
    func commit(_ updates: [ProcessUpdate], thenClaim request: ClaimRequest) async throws
        -> (outcomes: [CommitOutcome], claimed: [ClaimedProcess])
    {
        let result = try await base.commit(updates, thenClaim: request)
        note(updates, result.outcomes)
        return result
    }
    func renewLeases(_ processes: [ProcessLeaseToken], owner: String, until: Date) async throws -> [ProcessID] {
        try await base.renewLeases(processes, owner: owner, until: until)
    }
    func renewLeases(_ processes: [ProcessLeaseToken], owner: String, now: Date, for duration: Duration) async throws -> [ProcessID] {
        try await base.renewLeases(processes, owner: owner, now: now, for: duration)
    }
    func releaseLeases(_ processes: [ProcessLeaseToken], owner: String, now: Date) async throws {
        try await base.releaseLeases(processes, owner: owner, now: now)
    }
    func execute(_ command: ProcessCommand, on id: ProcessID, now: Date, by caller: String?) async throws -> ProcessRecord {
        try await base.execute(command, on: id, now: now, by: caller)
    }
    func execute(
        _ command: ProcessCommand, onEach ids: [ProcessID], now: Date, by caller: String?
    ) async throws -> [Result<ProcessRecord, ProcessStoreError>] {
        try await base.execute(command, onEach: ids, now: now, by: caller)
    }
    func statistics(flowName: String?) async throws -> ProcessStatistics {
        try await base.statistics(flowName: flowName)
    }
    func purge(_ request: PurgeRequest) async throws -> [ProcessID] {
        try await base.purge(request)
    }
    func sendSignal(to id: ProcessID, name: String, payload: Data, now: Date) async throws -> ProcessSignal {
        try await base.sendSignal(to: id, name: name, payload: payload, now: now)
    }
    func signals(of ids: [ProcessID]) async throws -> [ProcessID: [ProcessSignal]] { try await base.signals(of: ids) }
    func nextDueDate() async throws -> Date? { try await base.nextDueDate() }
    func dueCount(now: Date) async throws -> Int { try await base.dueCount(now: now) }
    func serverTime() async throws -> Date? { try await base.serverTime() }
    func wakeUps() -> AsyncStream<Void> { base.wakeUps() }
}

/// How long step `step` of process `process` takes in the spread benchmark, in milliseconds: fixed by the two
/// numbers (a SplitMix64 hash), so that every run has the same steps. One step in a thousand takes 10 s; the others
/// are spread log-uniformly over 1–200 ms (as many between 1 and 14 ms as between 14 and 200 ms; mean 37.6 ms).
func spreadDelay(process: Int, step: Int, steps: Int) -> Double {
    var x = UInt64(process * steps + step) &+ 0x9E37_79B9_7F4A_7C15
    x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
    x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
    x ^= x >> 31
    if x % 1000 == 0 { return 10_000 }
    return pow(200, Double(x >> 11) / Double(1 << 53))
}

/// The instants of every step of the spread benchmark (index `process * steps + step`), in seconds from the start.
struct SpreadTimes {
    var due: [Double]
    var running: [Double]
    var finished: [Double]
    var saved: [Double]
    var savesSeen: [Int]
    var extraSaves = 0
}

/// Collects ``SpreadTimes`` from the steps (run in the worker's tasks) and from the commits.
final class SpreadRecorder: Sendable {
    let origin = ContinuousClock.now
    let steps: Int
    let times: Mutex<SpreadTimes>

    init(processes: Int, steps: Int) {
        self.steps = steps
        let count = processes * steps
        times = Mutex(SpreadTimes(
            due: Array(repeating: .nan, count: count), running: Array(repeating: .nan, count: count),
            finished: Array(repeating: .nan, count: count), saved: Array(repeating: .nan, count: count),
            savesSeen: Array(repeating: 0, count: processes)
        ))
    }

    /// Seconds from the start to `instant`.
    func at(_ instant: ContinuousClock.Instant) -> Double { seconds(instant - origin) }

    /// The number in a process ID `p<number>`.
    static func index(_ id: ProcessID) -> Int { Int(id.rawValue.dropFirst()) ?? 0 }

    func created(_ processes: Range<Int>) {
        let time = at(.now)
        times.withLock { times in for process in processes { times.due[process * steps] = time } }
    }

    /// The number of steps whose save was seen.
    var savedCount: Int { times.withLock { $0.savesSeen.reduce(0) { $0 + min($1, steps) } } }

    func running(_ slot: Int) { let time = at(.now); times.withLock { $0.running[slot] = time } }

    func finished(_ slot: Int) { let time = at(.now); times.withLock { $0.finished[slot] = time } }

    /// A commit that saved the updates of `ids` returned at `instant`.
    func saved(_ ids: [ProcessID], _ instant: ContinuousClock.Instant) {
        let time = at(instant)
        let steps = steps
        times.withLock { times in
            for id in ids {
                let process = Self.index(id)
                let step = times.savesSeen[process]
                times.savesSeen[process] += 1
                guard step < steps else {
                    times.extraSaves += 1
                    continue
                }
                times.saved[process * steps + step] = time
                if step + 1 < steps { times.due[process * steps + step + 1] = time }
            }
        }
    }
}

/// Issue 16's realistic spread: `processes` processes of `steps` `Do` steps that sleep as ``spreadDelay(process:step:steps:)``
/// says, all started at once (one `create` call) and run by one worker of `concurrency` slots (`runUntilIdle`), or
/// with `--rate N` started at N processes a second (a `create` call every 10 ms) and run by the worker as a service.
/// Reports the throughput (steps saved per second, from the first `create` returning to the last save) and the time
/// from due to saved of every step, where
/// - due: the step's process could run it: for the first step, when the `create` call returned; for the others, when
///   the commit that saved the process's previous step returned (its next step is due at once);
/// - saved: when the commit that saved the step's result returned, observed by wrapping the SQLite store
///   (``TimedStore``): the instant the store's `commit` call returned to the worker, the N-th saved update of a
///   process being its N-th step.
/// Beside it, the split of that time: due → running (waiting for a slot and a claim; with all processes due at once
/// this is mostly the backlog), running → finished (the step's own sleep) and finished → saved (the worker's part:
/// handing the result over, group commit and the commit itself).
func spread(processes: Int, steps: Int, concurrency: Int, rate: Int?, synchronous: SQLiteProcessStore.Synchronous) async throws {
    let count = processes * steps
    let recorder = SpreadRecorder(processes: processes, steps: steps)
    let flow = try ProcessFlow<Empty, Empty>("spread.v1", initialData: { _ in Empty() }) {
        for step in 0..<steps {
            Do("step\(step)") { context in
                let process = SpreadRecorder.index(context.processID)
                recorder.running(process * steps + step)
                try await Task.sleep(for: .microseconds(Int(spreadDelay(process: process, step: step, steps: steps) * 1000)))
                recorder.finished(process * steps + step)
            }
        }
    }
    let saves = SaveTimes { ids, instant in recorder.saved(ids, instant) }
    let store = TimedStore(base: try SQLiteProcessStore.temporary(configuration: .init(synchronous: synchronous)), saves: saves)
    let input = try JSONEncoder().encode(Empty())
    let worker = FlowWorker(
        store: store, registry: try FlowRegistry([flow]),
        configuration: .init(workerID: "bench", concurrency: concurrency), logger: logger
    )
    let cpuStart = cpuSeconds()
    var saved = 0
    if let rate {
        // Steady arrivals: every 10 ms, the processes whose arrival time has come, in one `create` call; the
        // worker runs as a service (woken by the creations) until every step is saved.
        let group = ServiceGroup(configuration: .init(services: [worker], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(200))  // the worker is idle
            let start = ContinuousClock.now
            var next = 0
            while next < processes {
                let arrived = min(processes, Int(seconds(ContinuousClock.now - start) * Double(rate)) + 1)
                if arrived > next {
                    let now = Date()
                    _ = try await store.create((next..<arrived).map {
                        NewProcess(id: ProcessID("p\($0)"), flowName: flow.name, input: input, data: input, now: now)
                    })
                    recorder.created(next..<arrived)
                    next = arrived
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            while recorder.savedCount < count { try await Task.sleep(for: .milliseconds(5)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        saved = recorder.savedCount
    } else {
        let now = Date()
        _ = try await store.create((0..<processes).map {
            NewProcess(id: ProcessID("p\($0)"), flowName: flow.name, input: input, data: input, now: now)
        })
        recorder.created(0..<processes)
        saved = try await worker.runUntilIdle()
    }
    let cpu = cpuSeconds() - cpuStart
    let result = recorder.times.withLock { $0 }
    let created = result.due[0]  // the first `create` returned
    let completed = try await store.processes(ProcessQuery(statuses: [.completed], limit: processes + 1)).count
    let last = result.saved.filter { !$0.isNaN }.max() ?? created
    let missing = result.saved.filter(\.isNaN).count
    let slow = (0..<count).filter { spreadDelay(process: $0 / steps, step: $0 % steps, steps: steps) >= 10_000 }.count
    let sleepTotal = (0..<count).reduce(0.0) { $0 + spreadDelay(process: $1 / steps, step: $1 % steps, steps: steps) } / 1000
    func span(_ from: [Double], _ to: [Double]) -> String {
        let values = zip(from, to).compactMap { $0.isNaN || $1.isNaN ? nil : ($1 - $0) * 1000 }
        return String(format: "p50 %.1f ms, p99 %.1f ms, max %.1f ms", percentile(values, 0.5), percentile(values, 0.99), values.max() ?? 0)
    }
    print(String(
        format: "spread synchronous=%@ concurrency=%d arrivals=%@: %d processes x %d steps (%d of 10 s, the others 1-200 ms log-uniform; "
            + "%.0f s of sleep in all = %.1f s at %d in parallel): %d steps saved in %.2f s = %.0f steps/s (%.0f processes/s); "
            + "CPU %.1f µs/step; %d completed, %d steps without a save seen, %d extra saves; load %@",
        synchronous.description, concurrency, rate.map { "\($0)/s" } ?? "all at once", processes, steps, slow, sleepTotal, sleepTotal / Double(concurrency), concurrency,
        saved, last - created, Double(saved) / (last - created), Double(processes) / (last - created),
        cpu / Double(max(saved, 1)) * 1e6, completed, missing, result.extraSaves, loadAverage()
    ))
    let lastFast = (0..<count).filter { spreadDelay(process: $0 / steps, step: $0 % steps, steps: steps) < 10_000 }
        .compactMap { result.saved[$0].isNaN ? nil : result.saved[$0] }.max() ?? created
    print(String(format: "spread the last step shorter than 10 s was saved %.2f s after the start (%.0f steps/s until then); "
        + "after it, only 10 s steps ran", lastFast - created, Double(count - slow) / (lastFast - created)))
    print("spread due -> saved: \(span(result.due, result.saved))")
    print("spread   due -> running (slot and claim): \(span(result.due, result.running))")
    print("spread   running -> finished (the step's sleep): \(span(result.running, result.finished))")
    print("spread   finished -> saved (hand-over, group commit, commit): \(span(result.finished, result.saved))")
    let later = (0..<count).filter { $0 % steps > 0 }
    print("spread due -> saved, steps after the first (due when the previous save returned): "
        + span(later.map { result.due[$0] }, later.map { result.saved[$0] }))
}

// MARK: - Main

func run() async throws {
    switch command {
    case "throughput":
        try await throughputRuns()
    case "phases":
        try await phases(
            synchronous: option("sync") == "normal" ? .normal : .full, processes: option("processes", 10_000),
            steps: option("steps", 10), batch: option("batch", FlowWorker.Configuration().batchSize)
        )
    case "scale":
        try await scale(sizes: list("sizes", [10_000, 100_000, 1_000_000]))
    case "scale-rounds":
        try await scaleRounds(path: option("path") ?? "", size: option("size", 0))
    case "latency":
        let samples = option("samples", 1000)
        try await latency(samples: samples, synchronous: .full)
        try await latency(samples: samples, synchronous: .normal)
    case "slow-step":
        try await slowStep(
            concurrency: option("concurrency", 8), samples: option("samples", 200),
            synchronous: option("sync") == "normal" ? .normal : .full
        )
    case "spread":
        try await spread(
            processes: option("processes", 10_000), steps: option("steps", 3), concurrency: option("concurrency", 64),
            rate: option("rate").flatMap { Int($0) }, synchronous: option("sync") == "normal" ? .normal : .full
        )
    case "tracing":
        try await tracingCost(processes: option("processes", 2000), steps: option("steps", 10), runs: option("runs", 5))
    case "all":
        try await throughputRuns()
        try await latency(samples: 500, synchronous: .full)
        try await scale(sizes: [10_000, 100_000, 1_000_000])
    default:
        print("usage: RuntimeBenchmarks [throughput|phases|scale|latency|slow-step|spread|tracing|all] [options]")
        exit(2)
    }
}

// Not an async top level: the main thread waits on a semaphore instead of parking in dispatch_main
// (valgrind's callgrind, used to count instructions on this shared machine, crashes in its sigsuspend).
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
