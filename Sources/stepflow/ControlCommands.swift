import ArgumentParser
import StepFlowRuntime

/// `stepflow cancel ID`: stops a process at its next step boundary.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a process.")

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "The process's id.") var id: String
    @Option(help: "Why (recorded with the process).") var reason = "cancelled from the command line"

    func run() async throws {
        let record = try await storeOptions.withStore { try await StepFlowClient(store: $0).cancel(ProcessID(id), reason: reason) }
        print("\(record.id): \(record.status)")
    }
}

/// `stepflow wake ID`: makes a waiting process due now.
struct WakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wake", abstract: "Make a running or waiting process due now.")

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "The process's id.") var id: String

    func run() async throws {
        let record = try await storeOptions.withStore { try await StepFlowClient(store: $0).wake(ProcessID(id)) }
        print("\(record.id): \(record.status), due \(record.dueAt.map(Describe.time) ?? "-")")
    }
}

/// `stepflow resume ID`: runs a failed process again from its saved state.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a failed process from its saved state.")

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "The process's id.") var id: String

    func run() async throws {
        let record = try await storeOptions.withStore { try await StepFlowClient(store: $0).resume(ProcessID(id)) }
        print("\(record.id): \(record.status)")
    }
}
