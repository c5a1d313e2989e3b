import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The built `stepflow` binary, run as a child process with its standard output and error going to one file.
struct CLIProcess {
    /// How a run ended.
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
    let outputPath: String

    /// The `stepflow` executable built next to the test bundle (`.build/<configuration>/stepflow`).
    static let executable: String? = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("stepflow").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    /// Starts `stepflow ARGUMENTS`, writing its output to `directory/NAME.log`. The environment is
    /// the test's, without `STEPFLOW_STORE` (every test names its store), plus `environment`.
    static func start(_ arguments: [String], in directory: URL, name: String = UUID().uuidString, environment: [String: String] = [:]) throws -> CLIProcess {
        let path = try #require(executable, "build the stepflow target")
        let output = directory.appendingPathComponent("\(name).log").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        variables["STEPFLOW_STORE"] = nil
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        return CLIProcess(pid: pid, outputPath: output)
    }

    /// Runs `stepflow ARGUMENTS` to its end (killed after `timeout`); returns how it ended and its output.
    static func run(_ arguments: [String], in directory: URL, timeout: Duration = .seconds(120)) async throws -> (status: Status?, output: String) {
        let process = try start(arguments, in: directory)
        let status = await process.wait(timeout: timeout)
        return (status, process.output)
    }

    /// Waits for the process to end, polling (a blocking `waitpid` would hold one of the few cooperative threads);
    /// `nil` if it still runs after `timeout` (then it is killed).
    func wait(timeout: Duration) async -> Status? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0, errno != EINTR { return nil }
            if ContinuousClock.now >= deadline {
                Glibc.kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return nil
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        let low = status & 0x7f
        return low == 0 ? .exited((status >> 8) & 0xff) : .signalled(low)
    }

    /// Everything the process has written so far.
    var output: String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }
}

/// A new temporary directory for one test, deleted by `remove()`.
struct TemporaryDirectory {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("stepflow-cli-\(UUID().uuidString)")

    init() throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
