import ChildProcesses
import Foundation
import Testing

/// The built `stepflow` binary, run as a child process with its standard output and error going to one file.
enum CLIProcess {
    /// The `stepflow` executable built next to the test bundle.
    static let executable = ChildProcess.executable(named: "stepflow")

    /// Runs `stepflow ARGUMENTS` to its end (killed after `timeout`), its output in a file of `directory`; the
    /// environment is the test's without `STEPFLOW_STORE` (every test names its store). Returns how it ended and
    /// its output.
    static func run(
        _ arguments: [String], in directory: URL, timeout: Duration = .seconds(120)
    ) async throws -> (status: ChildProcess.Status?, output: String) {
        let path = try #require(executable, "build the stepflow target")
        let output = directory.appendingPathComponent("\(UUID().uuidString).log").path
        let child = try ChildProcess.start(path, arguments: arguments, output: output, removing: ["STEPFLOW_STORE"])
        let status = await child.wait(timeout: timeout)
        return (status, child.output)
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
