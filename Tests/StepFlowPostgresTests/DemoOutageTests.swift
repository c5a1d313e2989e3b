import ChildProcesses
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `stepflow demo` (the built binary, a child process) rides out a PostgreSQL server that stops answering for
/// longer than the store's operation deadline (30 s): its display says the store is retrying, and once the server
/// answers again, the worker and the display go on and the demo ends normally with every process finished.
@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipMessage))
struct DemoOutageTests {
    @Test func theDemoRidesOutAServerThatDoesNotAnswerFor35Seconds() async throws {
        let executable = try #require(ChildProcess.executable(named: "stepflow"), "build the stepflow target")
        let cluster = try await TestCluster.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stepflow-demo-outage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let log = directory.appendingPathComponent("demo.log").path
        let frozen = ServerFreeze(directory: cluster.directory)
        do {
            let demo = try ChildProcess.start(executable, arguments: [
                "demo", "--store", cluster.url, "--apps", "10", "--time-scale", "2", "--failure-rate", "0", "--plain",
            ], output: log, removing: ["STEPFLOW_STORE"])
            // Once the demo has saved steps, the server stops answering (every one of its processes is stopped,
            // as a machine cut off the network would be) for longer than the operation deadline.
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(60))
            while !Self.hasSavedSteps(demo.output), clock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(Self.hasSavedSteps(demo.output), "the demo saved no step: \(demo.output)")
            try frozen.stop()
            try await Task.sleep(for: .seconds(35))
            frozen.resume()

            let status = await demo.wait(timeout: .seconds(180))
            let output = demo.output
            #expect(status == .exited(0), "the demo ended with \(status.map(\.description) ?? "a timeout"): \(output)")
            #expect(output.contains("store not answering for"), "\(output)")
            #expect(output.contains("store unreachable for"), "\(output)")
            #expect(output.contains("store answers again"), "\(output)")
            #expect(!output.contains("Interrupted"), "\(output)")
            // Every process finished (some rollouts of the simulated systems fail on purpose, whatever the rate).
            #expect(output.contains("processes:      10"), "\(output)")
            #expect(output.contains("still running:  0"), "\(output)")
        } catch {
            Issue.record(error)
        }
        frozen.resume()
        try? FileManager.default.removeItem(at: directory)
        await cluster.stop()
    }

    /// Whether a progress line of the plain display counts more than 0 steps.
    static func hasSavedSteps(_ output: String) -> Bool {
        output.split(separator: "\n").contains { line in
            guard let match = line.firstMatch(of: /completed, \d+ failed, (\d+) steps/) else { return false }
            return (Int(match.1) ?? 0) > 0
        }
    }
}

/// Stops and resumes every process of a test cluster's server (SIGSTOP, SIGCONT): the server then accepts
/// connections into its backlog and reads nothing, so every query and connection attempt goes unanswered.
final class ServerFreeze: Sendable {
    let directory: String
    private let stopped = Mutex<[pid_t]>([])

    init(directory: String) {
        self.directory = directory
    }

    /// Stops the postmaster (so that it starts no new process), then its children.
    func stop() throws {
        let pidFile = try String(contentsOfFile: "\(directory)/data/postmaster.pid", encoding: .utf8)
        let postmaster = try #require(pidFile.split(separator: "\n").first.flatMap { pid_t($0) }, "no pid in postmaster.pid")
        kill(postmaster, SIGSTOP)
        var pids = [postmaster]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let end = stat.range(of: ") ", options: .backwards) else { continue }
            // The fields after the command: state, then the parent's pid.
            let fields = stat[end.upperBound...].split(separator: " ")
            if fields.count > 1, pid_t(fields[1]) == postmaster {
                kill(pid, SIGSTOP)
                pids.append(pid)
            }
        }
        stopped.withLock { $0 = pids }
    }

    /// Resumes the stopped processes (again: a second call does nothing).
    func resume() {
        let pids = stopped.withLock { pids in
            defer { pids = [] }
            return pids
        }
        for pid in pids.reversed() { kill(pid, SIGCONT) }
    }
}
