import ArgumentParser

/// `stepflow`: run the deployment demo and inspect or steer stored processes.
@main
struct StepFlowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stepflow",
        abstract: "Durable long-running processes, step by step.",
        discussion: """
            The store is an SQLite file in the working directory (stepflow.sqlite) unless --store or the \
            STEPFLOW_STORE environment variable names another.
            """,
        subcommands: [
            DemoCommand.self, WorkerCommand.self, ListCommand.self, ShowCommand.self, GraphCommand.self,
            CancelCommand.self, WakeCommand.self, ResumeCommand.self, SignalCommand.self, PauseCommand.self,
            UnpauseCommand.self, LabelCommand.self, StatsCommand.self, PurgeCommand.self,
            RewindCommand.self, MigrateCommand.self, ServeCommand.self,
        ]
    )
}
