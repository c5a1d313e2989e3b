// Measures how fast the SQLite store saves steps, on a file in a temporary directory.
//
//     cd Benchmarks && swift run -c release StoreBenchmark [processes] [updates] [batch] [--only-commits]
//
// For synchronous = FULL and NORMAL: 10,000 processes (claimed once) each get 10 updates, committed in batches
// of 500 (one transaction per batch, each update with its history row). The limit of the disk is shown beside:
// how many single-UPDATE transactions per second it commits with synchronous = FULL.
import Foundation
import GRDB
import StepFlow
import StepFlowRuntime
import StepFlowSQLite

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let processCount = arguments.first ?? 10_000
let updatesPerProcess = arguments.dropFirst().first ?? 10
let batchSize = arguments.dropFirst(2).first ?? 500
let start = Date(timeIntervalSince1970: 1_767_225_600)

func seconds(_ duration: Duration) -> Double { duration.timeInterval }

func format(_ value: Double) -> String { String(format: "%.0f", value) }

/// A file in a new temporary directory.
func temporaryFile(_ name: String) throws -> (path: String, directory: URL) {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("stepflow-bench-\(UUID().uuidString.lowercased())", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return (directory.appendingPathComponent(name).path, directory)
}

/// Commits `updatesPerProcess` updates to each of `processCount` processes in batches; returns updates per second.
func measureCommits(_ synchronous: SQLiteProcessStore.Synchronous) async throws -> (updatesPerSecond: Double, commitsPerSecond: Double) {
    let file = try temporaryFile("bench.sqlite")
    defer { try? FileManager.default.removeItem(at: file.directory) }
    let ids = (0..<processCount).map { ProcessID(String(format: "process-%06d", $0)) }

    // Seed with NORMAL (creating is not what is measured), then reopen with the level under test.
    var tokens: [ProcessID: Int64] = [:]
    do {
        let seed = try SQLiteProcessStore(path: file.path, configuration: .init(synchronous: .normal))
        for id in ids {
            _ = try await seed.create(NewProcess(id: id, flowName: "bench.v1", input: Data("{}".utf8), data: Data(#"{"n":0}"#.utf8), now: start))
        }
        while true {
            let claimed = try await seed.claim(ClaimRequest(owner: "bench", now: start, leaseDuration: .seconds(3600), limit: 1000))
            if claimed.isEmpty { break }
            for process in claimed { tokens[process.id] = process.leaseToken }
        }
    }
    let store = try SQLiteProcessStore(path: file.path, configuration: .init(synchronous: synchronous))

    // Only the commits are timed: building the updates is the worker's work, not the store's.
    let clock = ContinuousClock()
    var commits = 0
    var elapsed = Duration.zero
    var events: [String] = []
    for round in 1...updatesPerProcess {
        events.append("completed:bench.v1/step\(round)")
        let state = FlowState(events: events)
        let before = FlowState(events: Array(events.dropLast()))
        let now = start.addingTimeInterval(Double(round))
        for batchStart in stride(from: 0, to: ids.count, by: batchSize) {
            let updates = ids[batchStart..<min(batchStart + batchSize, ids.count)].map { id in
                ProcessUpdate(
                    id: id, flowName: "bench.v1", leaseToken: tokens[id] ?? 0, state: state, data: Data(#"{"n":\#(round)}"#.utf8),
                    status: .running, dueAt: now.addingTimeInterval(60), stepCount: round, attempt: 0, lastError: nil,
                    history: HistoryEntry(
                        sequence: round, startedAt: now, stepPath: "bench.v1/step\(round)", before: before, after: state,
                        duration: .microseconds(250), outcome: .advanced, error: nil, worker: "bench", leaseToken: tokens[id] ?? 0
                    ),
                    now: now
                )
            }
            let began = clock.now
            let outcomes = try await store.commit(updates)
            elapsed += clock.now - began
            precondition(outcomes.allSatisfy { $0 == .saved }, "an update was rejected")
            commits += 1
        }
    }
    let total = Double(processCount * updatesPerProcess)
    return (total / seconds(elapsed), Double(commits) / seconds(elapsed))
}

/// Single-row UPDATE transactions per second on a WAL file with the given `synchronous` level: the disk's limit.
func measureSingleTransactions(_ synchronous: String, duration: Duration = .seconds(3)) throws -> Double {
    let file = try temporaryFile("single.sqlite")
    defer { try? FileManager.default.removeItem(at: file.directory) }
    let pool = try DatabasePool(path: file.path)
    try pool.writeWithoutTransaction { db in
        try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
        try db.execute(sql: "CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")
        try db.execute(sql: "INSERT INTO counter (id, value) VALUES (1, 0)")
    }
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: duration)
    var transactions = 0
    let began = clock.now
    while clock.now < deadline {
        try pool.write { db in try db.execute(sql: "UPDATE counter SET value = value + 1 WHERE id = 1") }
        transactions += 1
    }
    return Double(transactions) / seconds(clock.now - began)
}

print("StepFlow SQLite store: \(processCount) processes × \(updatesPerProcess) updates, batches of \(batchSize), each update with a history row")
print("SQLite \(try DatabaseQueue().read { try String.fetchOne($0, sql: "SELECT sqlite_version()") ?? "?" })")
for synchronous in [SQLiteProcessStore.Synchronous.full, .normal] {
    let result = try await measureCommits(synchronous)
    print("synchronous=\(synchronous): \(format(result.updatesPerSecond)) updates/s (\(format(result.commitsPerSecond)) commits/s)")
}
let onlyCommits = CommandLine.arguments.contains("--only-commits")
for synchronous in onlyCommits ? [] : ["FULL", "NORMAL"] {
    print("one UPDATE per transaction, synchronous=\(synchronous): \(format(try measureSingleTransactions(synchronous))) transactions/s")
}
