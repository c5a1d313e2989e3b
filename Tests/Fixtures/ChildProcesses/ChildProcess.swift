public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program the tests run as a child process (a crash worker, the `stepflow` binary), started with posix_spawn so
/// that the tests can stop, continue and kill it with real signals.
///
/// Foundation's `Process` is not used: in a test bundle it did not notice its child's end (the child stayed a
/// zombie and `isRunning` true).
public struct ChildProcess: Sendable {
    /// How a child ended.
    public enum Status: Equatable, Sendable, CustomStringConvertible {
        /// It exited with this status.
        case exited(Int32)
        /// A signal ended it.
        case signalled(Int32)

        /// `exit N` or `signal N`.
        public var description: String {
            switch self {
            case let .exited(code): "exit \(code)"
            case let .signalled(signal): "signal \(signal)"
            }
        }
    }

    /// The child's process id.
    public let pid: pid_t
    /// The file its standard output and error go to, if any (otherwise they are the test's).
    public let outputPath: String?

    /// The executable `name` built next to the test bundle (`.build/<configuration>/NAME`), or `nil`.
    public static func executable(named name: String) -> String? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    /// Starts `path` with `arguments`. Its standard output and error are appended to the file at `output` (or are
    /// the test's); its environment is the test's with `environment` added and the variables in `removing` taken out.
    public static func start(
        _ path: String, arguments: [String], output: String? = nil, environment: [String: String] = [:], removing: [String] = []
    ) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let output {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        var variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        for name in removing { variables[name] = nil }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        return ChildProcess(pid: pid, outputPath: output)
    }

    /// Sends `signal`; `false` if the child had already exited.
    @discardableResult
    public func send(_ signal: Int32) -> Bool {
        kill(pid, signal) == 0
    }

    /// Waits for the child to end, polling (a blocking `waitpid` would hold one of the few cooperative threads);
    /// `nil` if it still runs after `timeout` (then it is killed).
    public func wait(timeout: Duration) async -> Status? {
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
            try? await Task.sleep(for: .milliseconds(20))
        }
        let low = status & 0x7f
        return low == 0 ? .exited((status >> 8) & 0xff) : .signalled(low)
    }

    /// Everything the child has written to its output file so far.
    public var output: String {
        outputPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
    }
}
