import ChildProcesses
import Foundation
import PostgresNIO
import StepFlowPostgres
import StepFlowRuntime
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A worker process (`stepflow-crash-worker postgres …`), a ``ChildProcess`` whose standard output and error go to
/// a log file, which the tests stop, continue and kill with real signals.
struct WorkerProcess {
    typealias Status = ChildProcess.Status

    let child: ChildProcess
    let workerID: String
    let logPath: String

    /// The repository's root, from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Starts a worker on `schema` of the database at `url`, logging to `directory/<workerID>.log`; with `holdAt`
    /// N > 0, its N-th step logs `holding step` and takes three seconds.
    static func start(
        url: String, schema: String, workerID: String, leaseMilliseconds: Int, holdAt: Int = 0, in directory: URL
    ) throws -> WorkerProcess {
        let path = try #require(ChildProcess.executable(named: "stepflow-crash-worker"), "build the stepflow-crash-worker target")
        let logPath = directory.appendingPathComponent("\(workerID).log").path
        // Concurrency 2, batches of 128: larger batches make fewer rounds, the debug build's main cost.
        let child = try ChildProcess.start(
            path, arguments: ["postgres", url, schema, workerID, "\(leaseMilliseconds)", "2", "128", "\(holdAt)"], output: logPath
        )
        return WorkerProcess(child: child, workerID: workerID, logPath: logPath)
    }

    /// Sends `signal`; `false` if the process had already exited.
    @discardableResult
    func send(_ signal: Int32) -> Bool {
        child.send(signal)
    }

    /// Waits for the process to end; `nil` if it is still running after `timeout` (then it is killed).
    func wait(timeout: Duration) async -> Status? {
        await child.wait(timeout: timeout)
    }

    /// The lines of the worker's log.
    var logLines: [Substring] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n")
    }

    /// The (process, lease token) of every save the worker reports rejected.
    var rejectedSaves: [(process: String, token: Int64)] {
        logLines.filter { $0.contains("save rejected") }.compactMap { line in
            guard let process = Self.value(of: "stepflow.process", in: line),
                  let token = Self.value(of: "stepflow.leaseToken", in: line).flatMap({ Int64($0) }) else { return nil }
            return (process, token)
        }
    }

    /// A `key=value` metadata item of a `StreamLogHandler` line.
    static func value(of key: String, in line: Substring) -> String? {
        guard let range = line.range(of: " \(key)=") else { return nil }
        return String(line[range.upperBound...].prefix { $0 != " " })
    }
}

/// The checks shared by the multi-process and server-restart tests, on the history of every process of a schema.
enum CompletionCheck {
    /// One saved step.
    struct Step: Sendable {
        var process: String
        var sequence: Int64
        var stepPath: String?
        var before: String
        var after: String
        var outcome: String
        var worker: String
        var token: Int64
        /// How many consecutive polls of one wait the row stands for (bounded history).
        var polls: Int64 = 1
    }

    /// The number of saved steps in `schema`.
    static func savedSteps(_ client: PostgresClient, schema: String) async throws -> Int {
        let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(schema).history"), logger: TestDatabase.logger)
            .collect()
        return try rows.first?.decode(Int.self) ?? 0
    }

    /// Every saved step of `schema`, by process, in the order they were saved.
    static func steps(_ client: PostgresClient, schema: String) async throws -> [String: [Step]] {
        let sql = """
            SELECT process_id, sequence, step_path, state_before, state_after, outcome, worker, lease_token, polls
            FROM \(schema).history ORDER BY process_id, id
            """
        var steps: [String: [Step]] = [:]
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger) {
            let (process, sequence, path, before, after, outcome, worker, token, polls) =
                try row.decode((String, Int64, String?, String, String, String, String, Int64, Int64).self)
            steps[process, default: []].append(Step(
                process: process, sequence: sequence, stepPath: path, before: before, after: after, outcome: outcome,
                worker: worker, token: token, polls: polls
            ))
        }
        return steps
    }

    /// The problems (at most a few of each kind are worth reading) that show a process not completed exactly
    /// once through `stepPaths`: its status, a missing, repeated or reordered step, a step whose state before is
    /// not the state after the previous one, lease tokens that do not increase from step to step.
    static func problems(
        _ client: PostgresClient, schema: String, processes: Int, stepPaths: [String]
    ) async throws -> (problems: [String], steps: [String: [Step]]) {
        var problems: [String] = []
        let statusRows = try await client.query(
            PostgresQuery(unsafeSQL: "SELECT status, count(*) FROM \(schema).processes GROUP BY status"), logger: TestDatabase.logger
        ).collect()
        let statuses = try Dictionary(uniqueKeysWithValues: statusRows.map { try $0.decode((String, Int).self) })
        if statuses != ["completed": processes] { problems.append("statuses \(statuses), expected \(processes) completed") }
        let steps = try await steps(client, schema: schema)
        if steps.count != processes { problems.append("\(steps.count) processes have a history, expected \(processes)") }
        for (process, history) in steps.sorted(by: { $0.key < $1.key }) where problems.count < 20 {
            let ran = history.flatMap { Array(repeating: $0.stepPath, count: Int($0.polls)) }
            if ran != stepPaths { problems.append("\(process) ran \(ran.map { $0 ?? "-" })") }
            // Each row's sequence follows the polls of the row before it.
            let numbers = history.reduce(into: [Int64]()) { numbers, step in
                numbers.append((numbers.last ?? 0) + (numbers.isEmpty ? 1 : history[numbers.count - 1].polls))
            }
            if history.map(\.sequence) != numbers {
                problems.append("\(process) has step numbers \(history.map(\.sequence))")
            }
            if history.filter({ $0.outcome == "completed" }).count != 1 || history.last?.outcome != "completed" {
                problems.append("\(process) has outcomes \(history.map(\.outcome))")
            }
            var previous = "[]"
            for step in history {
                if step.before != previous { problems.append("\(process) #\(step.sequence) starts at \(step.before), not \(previous)") }
                previous = step.after
            }
            for (earlier, later) in zip(history, history.dropFirst()) where later.token <= earlier.token {
                problems.append("\(process) #\(later.sequence) has lease token \(later.token) after \(earlier.token)")
            }
        }
        return (problems, steps)
    }

    /// `count` processes of the worker's flow `multi.v1`, created in batches.
    static func createProcesses(_ store: PostgresProcessStore, count: Int) async throws {
        let empty = Foundation.Data("{}".utf8)
        let now = Date()
        for start in stride(from: 0, to: count, by: 1000) {
            _ = try await store.create((start..<min(count, start + 1000)).map {
                NewProcess(id: ProcessID(String(format: "p%05d", $0)), flowName: "multi.v1", input: empty, data: empty, now: now)
            })
        }
    }

    /// The step paths of the worker's flow `multi.v1`.
    static let stepPaths = (0..<5).map { "multi.v1/step\($0)" }
}
