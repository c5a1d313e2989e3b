import ArgumentParser
import DeployPipeline
import Logging
import ServiceLifecycle
import StepFlowRuntime

/// `stepflow worker`: runs a worker for the CLI's flows until interrupted.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a worker that drives the stored processes of the CLI's flows until interrupted (Ctrl-C)."
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "How many steps run at once.")
    var concurrency = 1

    @Option(help: "The most processes claimed and saved per round.")
    var batchSize = 256

    @Option(help: "The worker's identifier in leases and history (default: host-pid-random).")
    var id: String?

    func run() async throws {
        let store = try storeOptions.open()
        var logger = Logger(label: "stepflow.worker")
        logger.logLevel = .info
        var configuration = FlowWorker.Configuration(concurrency: concurrency, batchSize: batchSize, pollInterval: .milliseconds(250))
        if let id { configuration.workerID = id }
        let worker = FlowWorker(store: store, registry: try Flows.registry(), configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: worker)], gracefulShutdownSignals: [.sigint, .sigterm], logger: logger
        ))
        try await group.run()
    }
}
