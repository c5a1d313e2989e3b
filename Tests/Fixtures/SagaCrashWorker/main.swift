// A worker process for the crash test of the constructs beyond go-stepflow's: it starts (idempotently) processes
// of `saga.v1` — a durable sleep, a signal, two parallel branches with compensations, and a forced failure for
// every third process — and drives them with a worker on an SQLite store. Steps and compensations append to an
// external log file (real side effects). The test SIGKILLs it at random moments, sends the signals while it is
// down, and starts it again.
//
// Usage: stepflow-saga-crash-worker STORE LOG PROCESSES
import CrashFlows
import Foundation
import Logging
import StepFlow
import StepFlowRuntime
import StepFlowSQLite

typealias Input = SagaFlow.Input
typealias Data = SagaFlow.Data

let arguments = CommandLine.arguments
guard arguments.count >= 4, let count = Int(arguments[3]) else {
    FileHandle.standardError.write("usage: stepflow-saga-crash-worker STORE LOG PROCESSES\n".data(using: .utf8)!)
    exit(2)
}
let (storePath, logPath) = (arguments[1], arguments[2])

/// Appends one line per side effect: `<prefix><idempotency key>`.
let logFile = open(logPath, O_WRONLY | O_APPEND | O_CREAT, 0o644)
guard logFile >= 0 else { fatalError("cannot open \(logPath)") }

@Sendable func sideEffect(_ context: StepContext<Input, Data>, _ prefix: String) async throws {
    let line = prefix + context.idempotencyKey + "\n"
    _ = line.withCString { write(logFile, $0, strlen($0)) }
    try await Task.sleep(for: .milliseconds(Int.random(in: 2...15)))
}

let flow = try SagaFlow.make(sideEffect: sideEffect)

let store = try SQLiteProcessStore(path: storePath)
let client = StepFlowClient(store: store)
for index in 0..<count {
    try await client.start(flow, id: ProcessID(String(format: "s%04d", index)), input: Input(fails: index % 3 == 0))
}
var logger = Logger(label: "saga-crash-worker")
logger.logLevel = .error
let worker = FlowWorker(
    store: store, registry: try FlowRegistry([flow]),
    configuration: .init(workerID: "saga-\(getpid())", concurrency: 4, batchSize: 16,
                         pollInterval: .milliseconds(5), idleInterval: .milliseconds(20), leaseDuration: .seconds(1)),
    logger: logger
)
// Runs until no process can move without a signal: every active one waits on `go` (due in the far future).
while true {
    let round = try await worker.runRound()
    if round.claimed > 0 { continue }
    guard let next = try await store.nextDueDate() else { break }
    if next.timeIntervalSinceNow > 30 { break }
    try await Task.sleep(for: .milliseconds(max(1, min(50, Int(next.timeIntervalSinceNow * 1000)))))
}
exit(0)
