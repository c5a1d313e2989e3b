import ChildProcesses
import Foundation
import StepFlowRuntime
import StepFlowSQLite
import Testing

/// The operator's commands run as a user would: pause, labels and search, stats, bulk actions and purge.
@Suite struct OperationsCLITests {
    /// A store with six processes of deploy.v2 that no worker runs: p1–p3 of team payments (p1 in production), p4–p6
    /// of team search; p6 is cancelled.
    func makeStore(in directory: TemporaryDirectory) async throws -> String {
        let path = directory.url.appendingPathComponent("store.sqlite").path
        let store = try SQLiteProcessStore(path: path)
        let now = Date()
        _ = try await store.create((1...6).map { index in
            NewProcess(
                id: ProcessID("p\(index)"), flowName: "deploy.v2", input: Data("{}".utf8), data: Data("{}".utf8),
                state: ["start:deploy.v2/getPreActualState"], now: now,
                labels: ["team": index <= 3 ? "payments" : "search", "env": index == 1 ? "production" : "staging"]
            )
        })
        _ = try await store.execute(.cancel(reason: "setup"), on: "p6", now: now)
        return path
    }

    func run(_ arguments: [String], store: String, in directory: TemporaryDirectory) async throws -> (status: ChildProcess.Status?, output: String) {
        try await CLIProcess.run(arguments + ["--store", store], in: directory.url)
    }

    @Test func listFiltersByLabelStepAndTimeAndPagesWithACursor() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await makeStore(in: directory)

        var (status, output) = try await run(["list", "--label", "team=payments"], store: store, in: directory)
        #expect(status == .exited(0), "\(output)")
        #expect(output.contains("p1") && output.contains("p3") && !output.contains("p4"), "\(output)")
        #expect(output.contains("getPreActualState"), "the AT column shows the step: \(output)")
        (status, output) = try await run(["list", "--label", "team=payments", "--label", "env=production"], store: store, in: directory)
        #expect(output.contains("p1") && !output.contains("p2"), "\(output)")
        (status, output) = try await run(["list", "--step", "getPreActualState", "--updated-after", "1h", "--limit", "2"], store: store, in: directory)
        #expect(output.contains("p1") && output.contains("p2") && !output.contains("p3"), "\(output)")
        #expect(output.contains("next page: --after p2"), "\(output)")
        (status, output) = try await run(["list", "--after", "p2", "--limit", "2"], store: store, in: directory)
        #expect(output.contains("p3") && output.contains("p4") && !output.contains("p2 "), "\(output)")
        (status, output) = try await run(["list", "--created-before", "2h"], store: store, in: directory)
        #expect(output.contains("no processes match"), "\(output)")

        for (arguments, hint) in [
            (["list", "--label", "Team=x"], "lowercase letters"), (["list", "--label", "team"], "key=value"),
            (["list", "--updated-after", "yesterday"], "ISO 8601"), (["list", "--status", "asleep"], "paused"),
        ] {
            (status, output) = try await run(arguments, store: store, in: directory)
            #expect(status == .exited(64), "\(arguments): \(output)")
            #expect(output.contains(hint), "\(arguments): \(output)")
        }
    }

    @Test func pauseUnpauseLabelShowAndStats() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await makeStore(in: directory)

        var (status, output) = try await run(["pause", "p2", "--reason", "incident 7"], store: store, in: directory)
        #expect(status == .exited(0), "\(output)")
        #expect(output.contains("p2: paused"), "\(output)")
        (status, output) = try await run(["wake", "p2"], store: store, in: directory)
        #expect(status == .exited(1), "\(output)")
        #expect(output.contains("unpause"), "\(output)")
        (status, output) = try await run(["show", "p2"], store: store, in: directory)
        #expect(output.contains("status    paused"), "\(output)")
        #expect(output.contains("reason: incident 7"), "\(output)")
        #expect(output.contains("labels    env=staging, team=payments"), "\(output)")
        (status, output) = try await run(["stats"], store: store, in: directory)
        #expect(status == .exited(0), "\(output)")
        #expect(output.contains("deploy.v2  paused"), "\(output)")
        #expect(output.contains("total 6"), "\(output)")
        (status, output) = try await run(["unpause", "p2"], store: store, in: directory)
        #expect(output.contains("p2: running"), "\(output)")
        (status, output) = try await run(["pause", "p6"], store: store, in: directory)
        #expect(status == .exited(1), "\(output)")
        #expect(output.contains("cancelled"), "\(output)")

        (status, output) = try await run(["label", "p4", "team=platform", "tier=gold"], store: store, in: directory)
        #expect(output.contains("p4: team=platform, tier=gold"), "\(output)")
        (status, output) = try await run(["list", "--label", "tier=gold"], store: store, in: directory)
        #expect(output.contains("p4") && !output.contains("p5"), "\(output)")
        (status, output) = try await run(["label", "p4", "BAD=x"], store: store, in: directory)
        #expect(status == .exited(64), "\(output)")
    }

    @Test func bulkActionsNeedAllMatchingAndOfferADryRun() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await makeStore(in: directory)

        var (status, output) = try await run(["pause", "--label", "team=payments"], store: store, in: directory)
        #expect(status == .exited(1), "\(output)")
        #expect(output.contains("--all-matching"), "\(output)")
        (status, output) = try await run(["cancel", "--label", "team=payments", "--dry-run"], store: store, in: directory)
        #expect(output.contains("3 processes match"), "\(output)")
        #expect(output.contains("p1, p2, p3"), "\(output)")
        (status, output) = try await run(["pause", "--label", "team=payments", "--all-matching", "--reason", "freeze"], store: store, in: directory)
        #expect(status == .exited(0), "\(output)")
        #expect(output.contains("pause: 3 of 3"), "\(output)")
        (status, output) = try await run(["unpause", "--all-matching"], store: store, in: directory)
        #expect(output.contains("unpause: 3 of 6"), "\(output)")
        #expect(output.contains("3 not paused"), "\(output)")
        // One match needs no --all-matching.
        (status, output) = try await run(["cancel", "--label", "env=production"], store: store, in: directory)
        #expect(output.contains("cancel: 1 of 1"), "\(output)")
        for arguments in [["pause"], ["pause", "p1", "--label", "a=b"], ["pause", "p1", "--dry-run"]] {
            (status, output) = try await run(arguments, store: store, in: directory)
            #expect(status == .exited(64), "\(arguments): \(output)")
        }
    }

    @Test func purgeDeletesOnlyFinishedProcesses() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await makeStore(in: directory)
        _ = try await run(["cancel", "p5"], store: store, in: directory)

        var (status, output) = try await run(["purge", "--older-than", "0s", "--dry-run"], store: store, in: directory)
        #expect(status == .exited(0), "\(output)")
        #expect(output.contains("2 processes would be purged"), "\(output)")
        (status, output) = try await run(["purge", "--older-than", "30d"], store: store, in: directory)
        #expect(output.contains("purged 0 processes"), "\(output)")
        (status, output) = try await run(["purge", "--older-than", "0s", "--status", "cancelled"], store: store, in: directory)
        #expect(output.contains("purged 2 processes"), "\(output)")
        (status, output) = try await run(["list"], store: store, in: directory)
        #expect(output.contains("p4") && !output.contains("p5") && !output.contains("p6"), "\(output)")
        for arguments in [["purge", "--older-than", "soon"], ["purge", "--older-than", "1d", "--status", "running"], ["purge"]] {
            (status, output) = try await run(arguments, store: store, in: directory)
            #expect(status == .exited(64), "\(arguments): \(output)")
        }
    }
}
