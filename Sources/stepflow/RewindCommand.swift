import ArgumentParser
import Foundation
import StepFlowRuntime

/// `stepflow rewind ID --to STEP`: runs a process (or every one a filter matches) again from a chosen step.
struct RewindCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rewind",
        abstract: "Run a process (or every one a filter matches) again from a chosen step.",
        discussion: """
            STEP is written as `stepflow list` writes the AT column (shouldDeployCase/steps/createDeployRequest), or \
            as the step's last name when only one step has it. The process (running, waiting, failed, cancelled or \
            completed) moves to the state in which that step is about to run, due now. Its data is kept as it is; the \
            compensation records of the steps before STEP are kept, those after it dropped. A step in flight has its \
            save rejected and runs again later. Without a known STEP, the error lists the steps that can be targeted.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var target: ProcessTarget
    @Option(help: "The step to run again from.") var to: String
    @Option(help: "Why (recorded in the process's history).") var reason = "rewound from the command line"

    func run() async throws {
        try await storeOptions.withStore { store in
            let registry = try Flows.registry()
            let client = StepFlowClient(store: store, registry: registry)
            try await target.run(.rewind(to: to, reason: reason), client: client) { id in
                let record = try await client.rewind(id, to: to, reason: reason, by: ProcessTarget.caller)
                return "\(record.id): \(record.status) at \(Describe.position(of: record)), "
                    + "due \(record.dueAt.map(Describe.time) ?? "-")"
            }
        }
    }
}
