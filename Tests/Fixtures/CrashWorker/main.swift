// A worker process for the crash tests: it starts (idempotently) a number of processes of `crash.v1`,
// whose steps append to an external log file (a real side effect), and drives them to completion with a
// worker on an SQLite store. The tests SIGKILL it at random moments and start it again.
//
// Usage: stepflow-crash-worker STORE LOG PROCESSES [CONCURRENCY]
//        stepflow-crash-worker postgres URL SCHEMA WORKER-ID [LEASE-MS] [CONCURRENCY] [BATCH]  (see PostgresMode)
import CrashFlows
import Foundation
import Logging
import StepFlow
import StepFlowRuntime
import StepFlowSQLite

typealias Input = CrashFlow.Input
typealias Data = CrashFlow.Data

let arguments = CommandLine.arguments
if arguments.count > 1, arguments[1] == "postgres" {
    exit(try await PostgresMode.run(Array(arguments.dropFirst(2))))
}
guard arguments.count >= 4, let count = Int(arguments[3]) else {
    FileHandle.standardError.write("usage: stepflow-crash-worker STORE LOG PROCESSES [CONCURRENCY]\n".data(using: .utf8)!)
    exit(2)
}
let storePath = arguments[1]
let logPath = arguments[2]
let concurrency = arguments.count > 4 ? Int(arguments[4]) ?? 4 : 4

/// Appends one line per side effect: `<idempotency key>` — the key identifies the step application.
let logFile = open(logPath, O_WRONLY | O_APPEND | O_CREAT, 0o644)
guard logFile >= 0 else { fatalError("cannot open \(logPath)") }

@Sendable func sideEffect(_ context: StepContext<Input, Data>) async throws {
    let line = context.idempotencyKey + "\n"
    _ = line.withCString { write(logFile, $0, strlen($0)) }
    try await Task.sleep(for: .milliseconds(Int.random(in: 5...25)))
}

let flow = try CrashFlow.make(sideEffect: sideEffect)

let store = try SQLiteProcessStore(path: storePath)
let client = StepFlowClient(store: store)
for index in 0..<count {
    try await client.start(flow, id: ProcessID(String(format: "p%04d", index)), input: Input())
}
var logger = Logger(label: "crash-worker")
logger.logLevel = .error
let worker = FlowWorker(
    store: store, registry: try FlowRegistry([flow]),
    configuration: .init(workerID: "crash-\(getpid())", concurrency: concurrency, batchSize: 16,
                         pollInterval: .milliseconds(5), idleInterval: .milliseconds(20), leaseDuration: .seconds(1)),
    logger: logger
)
while try await !client.list(ProcessQuery(statuses: [.running, .waiting], limit: 1)).isEmpty {
    let round = try await worker.runRound()
    if round.claimed == 0 {
        let next = try await store.nextDueDate() ?? Date()
        try await Task.sleep(for: .milliseconds(max(1, min(50, Int(next.timeIntervalSinceNow * 1000)))))
    }
}
exit(0)
