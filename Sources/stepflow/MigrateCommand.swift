import ArgumentParser
import Foundation
import StepFlowRuntime

/// `stepflow migrate --from deploy.v1 --to deploy.v2`: moves processes to a new version of their flow.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Move the processes of one flow version to another.",
        discussion: """
            Moves the processes of --from (running, waiting, paused and failed ones, unless --status says otherwise; \
            the other filter options narrow them further) onto --to, by the migration registered between them: each \
            goes to the step of the new flow its current step maps to, due now, with a `migrated` history entry. A \
            process whose state has no mapping, or whose data the new flow cannot decode, is reported and left \
            untouched. --dry-run moves nothing and reports what would move.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "The flow the processes run now (e.g. deploy.v1).") var from: String
    @Option(help: "The flow to move them to (e.g. deploy.v2).") var to: String
    @OptionGroup var filter: ProcessFilterOptions
    @Flag(help: "Report what would move, and move nothing.") var dryRun = false
    @Option(help: "Why (recorded in each process's history).") var reason: String?

    func validate() throws {
        if filter.flow != nil { throw ValidationError("--flow does not apply to migrate: --from names the flow of the processes to move") }
    }

    func run() async throws {
        let report = try await storeOptions.withStore { store in
            let client = StepFlowClient(store: store, registry: try Flows.registry())
            return try await client.migrate(
                from: from, to: to, matching: try filter.query(now: client.clock.now, limit: 500), dryRun: dryRun, reason: reason,
                by: ProcessTarget.caller
            )
        }
        let verb = report.dryRun ? "would migrate" : "migrated"
        let sample = report.sample.isEmpty ? "" : " (e.g. \(report.sample.map(\.rawValue).joined(separator: ", ")))"
        print("\(verb) \(report.migrated) of \(report.matched) processes from \(report.from) to \(report.to)\(sample)")
        if !report.leftUntouched.isEmpty {
            print("left untouched: \(report.leftUntouched.count)")
            for process in report.leftUntouched { print("  \(process.id): \(process.reason)") }
        }
    }
}
