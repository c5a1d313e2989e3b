import ChildProcesses
import Foundation
import Testing

/// `stepflow rewind` and `stepflow migrate` end to end: a `deploy.v1` demo's process is rewound, migrated to
/// `deploy.v2`, and run to its end there; bad input is refused with what is allowed.
@Suite struct RewindAndMigrateCLITests {
    @Test func aV1ProcessIsRewoundMigratedAndCompletedAsV2() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = directory.url.appendingPathComponent("store.sqlite").path
        func stepflow(_ arguments: [String]) async throws -> (status: ChildProcess.Status?, output: String) {
            try await CLIProcess.run(arguments + ["--store", store], in: directory.url)
        }
        let demo = try await stepflow(["demo", "--flow", "deploy.v1", "--apps", "2", "--time-scale", "0.01", "--failure-rate", "0", "--plain"])
        #expect(demo.status == .exited(0), "\(demo.output)")
        #expect(demo.output.contains("still running:  0"), "\(demo.output)")
        let listed = try await stepflow(["list"])
        #expect(listed.output.contains("deploy.v1"), "\(listed.output)")

        // Bad input: a step deploy.v1 does not have; the error lists the ones it has, and nothing changes.
        let refused = try await stepflow(["rewind", "app-001", "--to", "openPullRequestRetry/createDeployRequest"])
        #expect(refused.status == .exited(1), "\(refused.output)")
        #expect(refused.output.contains("the steps that can be targeted are: getPreActualState, preActualStateWaitFor"), "\(refused.output)")

        // With a filter: a step the flow does not have is refused before anything moves; more than one match needs
        // --all-matching.
        let bulkRefused = try await stepflow(["rewind", "--flow", "deploy.v1", "--to", "nope", "--all-matching"])
        #expect(bulkRefused.status == .exited(1), "\(bulkRefused.output)")
        #expect(bulkRefused.output.contains("it has no step 'nope'; the steps that can be targeted are: getPreActualState"), "\(bulkRefused.output)")
        let ambiguous = try await stepflow(["rewind", "--flow", "deploy.v1", "--to", "createDeployRequest"])
        #expect(ambiguous.status == .exited(1), "\(ambiguous.output)")
        #expect(ambiguous.output.contains("more than one process matches; add --all-matching"), "\(ambiguous.output)")
        let dryBulk = try await stepflow(["rewind", "--flow", "deploy.v1", "--to", "createDeployRequest", "--dry-run"])
        #expect(dryBulk.output.contains("2 processes match"), "\(dryBulk.output)")

        let rewound = try await stepflow(["rewind", "app-001", "--to", "shouldDeployCase/steps/createDeployRequest", "--reason", "try again"])
        #expect(rewound.status == .exited(0), "\(rewound.output)")
        #expect(rewound.output.contains("app-001: running at shouldDeployCase/steps/createDeployRequest"), "\(rewound.output)")

        let unknown = try await stepflow(["migrate", "--from", "deploy.v1", "--to", "deploy.v9"])
        #expect(unknown.status == .exited(1), "\(unknown.output)")
        #expect(unknown.output.contains("deploy.v9 is not a registered flow"), "\(unknown.output)")

        let dryRun = try await stepflow(["migrate", "--from", "deploy.v1", "--to", "deploy.v2", "--dry-run"])
        #expect(dryRun.status == .exited(0), "\(dryRun.output)")
        #expect(dryRun.output.contains("would migrate 1 of 1 processes from deploy.v1 to deploy.v2 (e.g. app-001)"), "\(dryRun.output)")
        let migrated = try await stepflow(["migrate", "--from", "deploy.v1", "--to", "deploy.v2"])
        #expect(migrated.status == .exited(0), "\(migrated.output)")
        #expect(migrated.output.contains("migrated 1 of 1 processes from deploy.v1 to deploy.v2"), "\(migrated.output)")

        // The demo of deploy.v2 continues app-001 (now a deploy.v2 process) to its end.
        let continued = try await stepflow(["demo", "--flow", "deploy.v2", "--apps", "1", "--time-scale", "0.01", "--failure-rate", "0", "--plain"])
        #expect(continued.status == .exited(0), "\(continued.output)")
        let shown = try await stepflow(["show", "app-001"])
        #expect(shown.output.contains("flow      deploy.v2"), "\(shown.output)")
        #expect(shown.output.contains("status    completed"), "\(shown.output)")
        #expect(shown.output.contains("rewound"), "\(shown.output)")
        #expect(shown.output.contains("migrated"), "\(shown.output)")
        #expect(shown.output.contains("openPullRequestRetry/createDeployRequest"), "\(shown.output)")
    }
}
