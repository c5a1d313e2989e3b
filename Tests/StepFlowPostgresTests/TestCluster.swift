import ChildProcesses
import Foundation
import Testing

/// A throwaway PostgreSQL cluster of its own (`scripts/postgres start`), for a test that restarts its server:
/// restarting the shared test server would break the tests running beside it.
struct TestCluster {
    /// `postgres://postgres@127.0.0.1:PORT/stepflow_test`.
    let url: String
    /// The cluster's directory, for `scripts/postgres restart|stop`.
    let directory: String

    /// Starts a new cluster (on the first free port from 55440).
    static func start() async throws -> TestCluster {
        let output = try await script(["start"], environment: ["STEPFLOW_TEST_POSTGRES_PORT": "55440"])
        var exports: [String: String] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("export ") {
            let assignment = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1).map(String.init)
            if assignment.count == 2 { exports[assignment[0]] = assignment[1] }
        }
        let url = try #require(exports["STEPFLOW_TEST_POSTGRES_URL"], "scripts/postgres start printed no URL: \(output)")
        let directory = try #require(exports["STEPFLOW_TEST_POSTGRES_DIR"], "scripts/postgres start printed no directory: \(output)")
        return TestCluster(url: url, directory: directory)
    }

    /// Restarts the server (a fast shutdown: open connections are closed, transactions in progress rolled back).
    func restart() async throws {
        _ = try await Self.script(["restart", directory])
    }

    /// Stops the server and deletes the cluster.
    func stop() async {
        _ = try? await Self.script(["stop", directory])
    }

    /// Runs `bash scripts/postgres ARGUMENTS` from the repository's root; returns its output (standard output and
    /// error: the exports are found by their prefix).
    static func script(_ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("stepflow-script-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let script = WorkerProcess.repositoryRoot.appendingPathComponent("scripts/postgres").path
        let child = try ChildProcess.start("/bin/bash", arguments: [script] + arguments, output: output, environment: environment)
        let status = await child.wait(timeout: .seconds(120))
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == .exited(0) else {
            throw ScriptFailed(description: "scripts/postgres \(arguments.joined(separator: " ")) ended with \(status.map(\.description) ?? "a timeout"): \(text)")
        }
        return text
    }
}

/// `scripts/postgres` failed; the description has its output.
struct ScriptFailed: Error, CustomStringConvertible {
    let description: String
}
