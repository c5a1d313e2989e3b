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
        let logger = storeOptions.logger(label: "stepflow.worker", default: .info)
        // With PostgreSQL, the client and the store's wake-up listener run in the group before the worker, which
        // starts once the schema is migrated; they stop after it.
        let (store, storeServices) = try storeOptions.openForServices()
        var configuration = FlowWorker.Configuration(concurrency: concurrency, batchSize: batchSize, pollInterval: .milliseconds(250))
        if let id { configuration.workerID = id }
        let worker = FlowWorker(store: store, registry: try Flows.registry(), configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: storeServices.map { .init(service: $0) } + [.init(service: AfterStoreIsReady(store: store, service: worker))],
            gracefulShutdownSignals: [.sigint, .sigterm], logger: logger
        ))
        try await group.run()
    }
}
