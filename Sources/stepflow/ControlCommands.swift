import ArgumentParser
import Foundation
import StepFlowRuntime

/// `stepflow cancel ID`: stops a process at its next step boundary (or every process a filter matches).
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a process (or every one a filter matches).")

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var target: ProcessTarget
    @Option(help: "Why (recorded with the process).") var reason = "cancelled from the command line"

    func run() async throws {
        try await storeOptions.withStore { store in
            let client = StepFlowClient(store: store, registry: try Flows.registry())
            try await target.run(.cancel(reason: reason), client: client) { id in
                let record = try await client.cancel(id, reason: reason, by: ProcessTarget.caller)
                return "\(record.id): \(record.status)\(record.status.isActive ? " (cancelling: its compensations run first)" : "")"
            }
        }
    }
}

/// `stepflow wake ID`: makes a waiting process due now (or every process a filter matches).
struct WakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wake", abstract: "Make a running or waiting process due now.")

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var target: ProcessTarget

    func run() async throws {
        try await storeOptions.withStore { store in
            let client = StepFlowClient(store: store)
            try await target.run(.wake, client: client) { id in
                let record = try await client.wake(id, by: ProcessTarget.caller)
                return "\(record.id): \(record.status), due \(record.dueAt.map(Describe.time) ?? "-")"
            }
        }
    }
}

/// `stepflow resume ID`: runs a failed process again from its saved state (or every process a filter matches).
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a failed process from its saved state.")

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var target: ProcessTarget

    func run() async throws {
        try await storeOptions.withStore { store in
            let client = StepFlowClient(store: store)
            try await target.run(.resume, client: client) { id in
                let record = try await client.resume(id, by: ProcessTarget.caller)
                return "\(record.id): \(record.status)"
            }
        }
    }
}

/// `stepflow signal ID NAME [JSON]`: sends a signal to a process's inbox.
struct SignalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal",
        abstract: "Send a signal to a process (e.g. an approval).",
        discussion: """
            The payload is JSON, checked against the type the process's flow expects for the signal; it defaults \
            to {}. The signal is kept until the process consumes it, so it may be sent before the process waits for it.
            Example: stepflow signal app-005 approval '{"by":"alice"}'
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "The process's id.") var id: String
    @Argument(help: "The signal's name.") var name: String
    @Argument(help: "The payload, as JSON.") var payload = "{}"

    func run() async throws {
        let signal = try await storeOptions.withStore {
            try await StepFlowClient(store: $0, registry: try Flows.registry()).signal(ProcessID(id), name, json: Data(payload.utf8))
        }
        print("\(signal.processID): signal '\(signal.name)' #\(signal.sequence) stored")
    }
}
