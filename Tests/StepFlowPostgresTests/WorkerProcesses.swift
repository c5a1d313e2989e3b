import Foundation
import PostgresNIO
import StepFlowPostgres
import StepFlowRuntime
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A worker process (`stepflow-crash-worker postgres …`) started with posix_spawn, its standard output and error
/// going to a log file, which the tests stop, continue and kill with real signals.
struct WorkerProcess {
    enum Status: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        var description: String {
            switch self {
            case let .exited(code): "exit \(code)"
            case let .signalled(signal): "signal \(signal)"
            }
        }
    }

    let pid: pid_t
    let workerID: String
    let logPath: String

    /// The repository's root, from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The worker executable built next to the test bundle (`.build/<configuration>/stepflow-crash-worker`).
    static let executable: String? = {
        let name = "stepflow-crash-worker"
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let fallback = repositoryRoot.appendingPathComponent(".build/debug/\(name)").path
        return FileManager.default.isExecutableFile(atPath: fallback) ? fallback : nil
    }()

    /// Starts a worker on `schema` of the database at `url`, logging to `directory/<workerID>.log`; with `holdAt`
    /// N > 0, its N-th step logs `holding step` and takes three seconds.
    static func start(
        url: String, schema: String, workerID: String, leaseMilliseconds: Int, holdAt: Int = 0, in directory: URL
    ) throws -> WorkerProcess {
        let path = try #require(executable, "build the stepflow-crash-worker target")
        let logPath = directory.appendingPathComponent("\(workerID).log").path
        // Concurrency 2, batches of 128: larger batches make fewer rounds, the debug build's main cost.
        let pid = try spawn(path, ["postgres", url, schema, workerID, "\(leaseMilliseconds)", "2", "128", "\(holdAt)"], output: logPath)
        return WorkerProcess(pid: pid, workerID: workerID, logPath: logPath)
    }

    /// Starts `path` with `arguments` (and the test's environment with `environment` added), its standard output
    /// and error appended to the file at `output`.
    ///
    /// Foundation's `Process` is not used: in the test bundle it did not notice its child's end (the child stayed
    /// a zombie and `isRunning` true).
    static func spawn(_ path: String, _ arguments: [String], output: String, environment: [String: String] = [:]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let result = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        return pid
    }

    /// Sends `signal`; `false` if the process had already exited.
    @discardableResult
    func send(_ signal: Int32) -> Bool {
        Glibc.kill(pid, signal) == 0
    }

    /// Waits for the process to end, polling (a blocking `waitpid` would hold one of the few cooperative threads);
    /// `nil` if it is still running after `timeout` (then it is killed).
    func wait(timeout: Duration) async -> Status? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0, errno != EINTR { return nil }
            if ContinuousClock.now >= deadline {
                send(SIGKILL)
                _ = waitpid(pid, &status, 0)
                return nil
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        let low = status & 0x7f
        return low == 0 ? .exited((status >> 8) & 0xff) : .signalled(low)
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
            SELECT process_id, sequence, step_path, state_before, state_after, outcome, worker, lease_token
            FROM \(schema).history ORDER BY process_id, id
            """
        var steps: [String: [Step]] = [:]
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger) {
            let (process, sequence, path, before, after, outcome, worker, token) =
                try row.decode((String, Int64, String?, String, String, String, String, Int64).self)
            steps[process, default: []].append(Step(
                process: process, sequence: sequence, stepPath: path, before: before, after: after, outcome: outcome,
                worker: worker, token: token
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
            if history.map(\.stepPath) != stepPaths { problems.append("\(process) ran \(history.map { $0.stepPath ?? "-" })") }
            if history.map(\.sequence) != Array(1...Int64(history.count)) {
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
