import ChildProcesses
import Foundation
import Testing

/// The built `stepflow` binary as a user meets it: errors, exit statuses, logs, the demo's ending, dates in `show`.
@Suite struct CLITests {
    /// Runs `stepflow ARGUMENTS` with its output in a new directory.
    func run(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> (status: ChildProcess.Status?, output: String) {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        return try await CLIProcess.run(arguments, in: directory.url, timeout: timeout)
    }

    @Test func anUnreachablePostgresServerGivesOneClearErrorWithoutLibraryChatterOrUsage() async throws {
        let (status, output) = try await run(["list", "--store", "postgres://u@127.0.0.1:1/db"])
        #expect(status == .exited(1), "\(output)")
        #expect(output.hasPrefix("Error: "), "\(output)")
        #expect(output.contains("127.0.0.1:1"), "\(output)")
        #expect(!output.contains("Connection creation failed"), "\(output)")
        #expect(!output.contains("Usage:"), "\(output)")
        #expect(output.split(separator: "\n").count <= 2, "\(output)")
    }

    @Test func theLibraryLogsAppearWhenAskedFor() async throws {
        let (status, output) = try await run(["list", "--store", "postgres://u@127.0.0.1:1/db", "--log-level", "info"])
        #expect(status == .exited(1), "\(output)")
        #expect(output.contains("Connection creation failed"), "\(output)")
        #expect(output.contains("Error: "), "\(output)")
    }

    @Test func errorsThatAreNotUsageErrorsPrintNoUsageAndExitNonZero() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = directory.url.appendingPathComponent("store.sqlite").path
        // An empty store, made by a command that succeeds.
        let (listed, listing) = try await CLIProcess.run(["list", "--store", store], in: directory.url)
        #expect(listed == .exited(0), "\(listing)")
        for arguments in [
            ["show", "nope"], ["cancel", "nope"], ["wake", "nope"], ["resume", "nope"], ["signal", "nope", "approval"],
        ] {
            let (status, output) = try await CLIProcess.run(arguments + ["--store", store], in: directory.url)
            #expect(status == .exited(1), "\(arguments): \(output)")
            #expect(output.hasPrefix("Error: "), "\(arguments): \(output)")
            #expect(output.contains("nope"), "\(arguments): \(output)")
            #expect(!output.contains("Usage:"), "\(arguments): \(output)")
        }
        // A store that cannot be opened.
        let (status, output) = try await CLIProcess.run(["list", "--store", "/nonexistent/directory/store.sqlite"], in: directory.url)
        #expect(status == .exited(1), "\(output)")
        #expect(output.hasPrefix("Error: cannot open the store at /nonexistent/directory/store.sqlite"), "\(output)")
        #expect(!output.contains("Usage:"), "\(output)")
    }

    @Test func usageErrorsPrintTheUsage() async throws {
        for arguments in [["list", "--status", "asleep"], ["demo", "--apps", "0"], ["list", "--log-level", "loud"], ["show"]] {
            let (status, output) = try await run(arguments)
            #expect(status == .exited(64), "\(arguments): \(output)")
            #expect(output.contains("Usage: stepflow"), "\(arguments): \(output)")
        }
    }

    @Test func aDemoThatFinishedSaysSoWithItsOutputInAFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = directory.url.appendingPathComponent("store.sqlite").path
        let demo = ["demo", "--store", store, "--apps", "4", "--time-scale", "0.01", "--failure-rate", "0"]
        // The first run does the work; the later ones find every process finished at once, where the display and
        // the worker's group end nearly together.
        for run in 1...4 {
            let (status, output) = try await CLIProcess.run(demo + (run == 2 ? ["--plain"] : []), in: directory.url)
            #expect(status == .exited(0), "run \(run): \(output)")
            #expect(output.contains("Summary"), "run \(run): \(output)")
            #expect(!output.contains("Interrupted"), "run \(run): \(output)")
            #expect(output.contains("still running:  0"), "run \(run): \(output)")
            #expect(output.contains("processes:      4"), "run \(run): \(output)")
        }
    }

    @Test func showPrintsDatesInProcessDataAsISO8601() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = directory.url.appendingPathComponent("store.sqlite").path
        let (status, output) = try await CLIProcess.run(
            ["demo", "--store", store, "--apps", "10", "--time-scale", "0.01", "--failure-rate", "0", "--plain"], in: directory.url
        )
        #expect(status == .exited(0), "\(output)")
        // Every deployed application opened a pull request, whose opening time is in its data.
        var dates = 0
        for app in 1...10 {
            let (_, shown) = try await CLIProcess.run(["show", String(format: "app-%03d", app), "--store", store], in: directory.url)
            for line in shown.split(separator: "\n") where line.contains(#""openedAt" : "#) {
                dates += 1
                #expect(line.contains(/"openedAt" : "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/), "\(line)")
            }
        }
        #expect(dates > 0, "no process of the demo opened a pull request")
    }
}
