import ChildProcesses
import Foundation
import Testing

/// `--log-level` and `--log-format` on every command, and the trace id `show` prints.
@Suite struct LogFormatTests {
    @Test func jsonLogsAreOneObjectPerLineWithTheMetadataKeysAsFields() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = directory.url.appendingPathComponent("store.sqlite").path
        let (status, output) = try await CLIProcess.run(
            ["demo", "--store", store, "--apps", "2", "--time-scale", "0.01", "--failure-rate", "0", "--plain",
             "--log-level", "info", "--log-format", "json"],
            in: directory.url
        )
        #expect(status == .exited(0), "\(output)")
        let objects = output.split(separator: "\n").filter { $0.hasPrefix("{") }.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        #expect(objects.count == output.split(separator: "\n").filter { $0.hasPrefix("{") }.count, "a line is not JSON: \(output)")
        let started = try #require(objects.first { $0["message"] as? String == "worker started" }, "\(output)")
        #expect(started["level"] as? String == "info")
        #expect(started["label"] as? String == "stepflow.demo")
        #expect((started["stepflow.worker"] as? String)?.isEmpty == false)
        #expect(started["time"] is String)
    }

    @Test func textLogsStayTheDefault() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = directory.url.appendingPathComponent("store.sqlite").path
        let (status, output) = try await CLIProcess.run(
            ["demo", "--store", store, "--apps", "1", "--time-scale", "0.01", "--failure-rate", "0", "--plain", "--log-level", "info"],
            in: directory.url
        )
        #expect(status == .exited(0), "\(output)")
        #expect(output.contains("info stepflow.demo"), "\(output)")
        #expect(output.contains("[stepflow.worker:") || output.contains("stepflow.worker="), "\(output)")
        #expect(!output.contains(#"{"label""#), "\(output)")
    }

    @Test func anUnknownLogFormatIsAUsageErrorNamingTheFormats() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for arguments in [["list", "--log-format", "xml"], ["graph", "deploy.v2", "--log-format", "xml"]] {
            let (status, output) = try await CLIProcess.run(arguments, in: directory.url)
            #expect(status == .exited(64), "\(arguments): \(output)")
            #expect(output.contains("unknown log format 'xml'; use one of text, json"), "\(arguments): \(output)")
        }
    }

    @Test func everyCommandTakesTheLogOptions() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = directory.url.appendingPathComponent("store.sqlite").path
        for arguments in [["graph", "deploy.v2"], ["list", "--store", store]] {
            let (status, output) = try await CLIProcess.run(
                arguments + ["--log-level", "debug", "--log-format", "json"], in: directory.url
            )
            #expect(status == .exited(0), "\(arguments): \(output)")
        }
        for command in ["demo", "worker", "list", "show", "graph", "cancel", "wake", "resume", "signal"] {
            let (status, output) = try await CLIProcess.run([command, "--help"], in: directory.url)
            #expect(status == .exited(0), "\(command): \(output)")
            #expect(output.contains("--log-level") && output.contains("--log-format"), "\(command): \(output)")
        }
    }

    @Test func showPrintsTheProcesssTraceID() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = directory.url.appendingPathComponent("store.sqlite").path
        let (status, output) = try await CLIProcess.run(
            ["demo", "--store", store, "--apps", "1", "--time-scale", "0.01", "--failure-rate", "0", "--plain"], in: directory.url
        )
        #expect(status == .exited(0), "\(output)")
        let (_, shown) = try await CLIProcess.run(["show", "app-001", "--store", store], in: directory.url)
        #expect(shown.contains(/\ntrace     [0-9a-f]{32}\n/), "\(shown)")
    }
}
